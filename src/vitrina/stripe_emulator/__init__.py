"""A stateful local Stripe for tests and the zero-config demo.

The unmodified `stripe` SDK talks to it over HTTP (`StripeClient(key,
base_addresses={"api": base_url})`); it keeps products, prices, coupons, promotion codes,
customers, checkout sessions, payment intents, payment methods, charges, refunds, events and
webhook endpoints in memory, enforces Stripe's rules (docs/stripe-emulator.md lists them with
their tests) and shapes its objects as Stripe's published examples. Nothing here imports the
rest of Vitrina.

Routes (relative to where the app is served or mounted):

- `/v1/...`: the Stripe API subset. Bearer `sk_test_...` (or basic auth with the key as user
  name); parameters checked against the installed SDK's typed params; `Idempotency-Key`
  honoured as Stripe does; `Request-Id` on every response.
- `/c/pay/{session_id}`: the hosted payment page a session's `url` points to, in the
  session's locale (ru, en). Stripe's test cards: 4242 4242 4242 4242 pays; 4000 0000 0000
  0002, 9995, 0069, 0127 are declined (a failed charge, `charge.failed`,
  `payment_intent.payment_failed`); 4000 0027 6000 3184 asks for 3-D Secure
  (`/c/pay/{session_id}/authenticate`, approve or fail).
- `/_emulator/...` (test controls, off with `controls=False`):
  - `POST /_emulator/checkout/sessions/{id}/complete` `{"outcome": "paid" | "unpaid" |
    "async_succeeded" | "async_failed" | "declined", "card"?: test card number,
    "authentication"?: "complete" | "fail", "email"?, "name"?, "shipping"?: {name, line1,
    line2, city, postal_code, state, country}}` (JSON or form).
  - `POST /_emulator/clock/advance` `{"seconds": n}`: open sessions past `expires_at` expire
    and emit `checkout.session.expired`. `GET /_emulator/clock`.
  - `POST /_emulator/events/{id}/deliver` `{"times": n, "stale_signature": bool,
    "concurrent": bool}`: extra deliveries now, one attempt each; answers their statuses.
  - `POST /_emulator/events/{id}/sign` `{"secret"?, "stale_signature"?}`: the body and
    `Stripe-Signature` a delivery would carry, for posting to an in-process app.
  - `POST /_emulator/faults` `{"kind": "500" | "429" | "slow" | "drop", "count"?: n,
    "seconds"?: window, "delay"?: s, "path_prefix"?: "/v1/...", "method"?: "POST"}`;
    `GET` lists, `DELETE` clears.
  - `POST /_emulator/reset`; `GET|DELETE /_emulator/calls` (`?path=` prefix, `?method=`);
    `GET /_emulator/deliveries`.

Entry points: `create_emulator_app(...)`, `cli.run_emulator(...)`,
`testing.EmulatorServer`.
"""

from vitrina.stripe_emulator.app import Emulator, create_emulator_app
from vitrina.stripe_emulator.clock import Clock

__all__ = ["Clock", "Emulator", "create_emulator_app"]
