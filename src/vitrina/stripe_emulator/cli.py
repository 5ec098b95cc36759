"""`vitrina stripe-emulator`: serve the emulator on its own (blocking, uvicorn)."""

from __future__ import annotations

import uvicorn

from vitrina.stripe_emulator.app import create_emulator_app


def run_emulator(host: str, port: int, webhook_url: str | None, webhook_secret: str | None) -> None:
    public_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    app = create_emulator_app(
        public_url=f"http://{public_host}:{port}",
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
    )
    uvicorn.run(app, host=host, port=port, log_level="info")
