"""The one place a `stripe.StripeClient` is made, from the settings in force.

In demo mode with no STRIPE_API_KEY the store talks to the built-in emulator mounted at
PUBLIC_BASE_URL/stripe-emulator; STRIPE_API_BASE points it at any other address (an emulator
running apart, in tests); with a real key and no base, it talks to Stripe itself. Outside
demo mode a key is required (`Settings.check` refuses to start without one).
"""

from __future__ import annotations

import stripe

from vitrina.config import ConfigError, Settings, get_settings

EMULATOR_API_KEY = "sk_test_vitrina_emulator"
"""What the store sends to an emulator when it has no key (demo mode only). Not a secret: an
emulator takes any `sk_test_` key."""
EMULATOR_MOUNT = "/stripe-emulator"


def stripe_api_key(settings: Settings) -> str:
    if settings.stripe_api_key is not None and settings.stripe_api_key.get_secret_value():
        return settings.stripe_api_key.get_secret_value()
    if not settings.demo:
        raise ConfigError("STRIPE_API_KEY is not set (outside demo mode Stripe needs a key).")
    return EMULATOR_API_KEY


def stripe_api_base(settings: Settings) -> str | None:
    if settings.stripe_api_base:
        return settings.stripe_api_base.rstrip("/")
    if settings.builtin_emulator:
        return settings.public_base_url + EMULATOR_MOUNT
    return None


def webhook_secret(settings: Settings) -> str:
    """The secret events are verified with: STRIPE_WEBHOOK_SECRET, or in demo mode with the
    built-in emulator, the demo folder's own."""
    return settings.webhook_key()


_ClientKey = tuple[str, str | None, int, float]
_clients: dict[_ClientKey, tuple[stripe.StripeClient, stripe.HTTPXClient]] = {}


def make_stripe_client(settings: Settings | None = None) -> stripe.StripeClient:
    """A client for the configured Stripe, reused per configuration (it holds a pool)."""
    settings = settings or get_settings()
    key = (
        stripe_api_key(settings),
        stripe_api_base(settings),
        settings.stripe_max_network_retries,
        settings.stripe_timeout_seconds,
    )
    cached = _clients.get(key)
    if cached is None:
        api_key, base, retries, timeout = key
        http_client = stripe.HTTPXClient(timeout=timeout, allow_sync_methods=True)
        client = stripe.StripeClient(
            api_key,
            base_addresses={"api": base} if base else {},
            max_network_retries=retries,
            http_client=http_client,
        )
        cached = _clients[key] = (client, http_client)
    return cached[0]


async def close_stripe_clients() -> None:
    """Close the pooled connections of every client made here (at application shutdown)."""
    while _clients:
        _key, (_client, http_client) = _clients.popitem()
        http_client.close()  # type: ignore[no-untyped-call]
        await http_client.close_async()  # type: ignore[no-untyped-call]
