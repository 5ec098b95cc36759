"""`vitrina demo` restarted mid-purchase, once with `kill -9` and once gracefully, as a real
process in a folder of its own on SQLite (the demo's backend, whatever the suite runs on): a
shopper driving it over HTTP loses nothing. The session paid just before the kill becomes an
order, the session opened before the graceful restart can still be paid, the shopper's token
stays valid, and every product still checks out, even after the emulator's state is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx

from fixtures.servers import free_port

VITRINA = str(Path(sys.executable).with_name("vitrina"))
CONFIGURATION = ("DATABASE", "JWT", "STRIPE", "DEMO", "PUBLIC_BASE_URL", "METRICS", "MAIL")
CUSTOMER = {"username": "customer@example.com", "password": "customer-demo-1"}
SHIPPING = {
    "email": "customer@example.com",
    "shipping_name": "Demo Customer",
    "shipping_line1": "1 Main St",
    "shipping_city": "Springfield",
    "shipping_postal_code": "12345",
    "shipping_country": "US",
    "card_number": "4242 4242 4242 4242",
}
T = TypeVar("T")


def eventually(attempt: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = attempt()
        except httpx.TransportError:
            result = None
        if result is not None:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class Demo:
    """`vitrina demo` in `folder` on `port`; its output appended to folder/demo.log."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = folder / "demo.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [VITRINA, "demo", "--port", str(self.port), "--products", "4"],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def ready() -> bool | None:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200 or None

        eventually(ready, "the demo to answer", timeout=60)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert self.process.wait(timeout=30) in (0, -signal.SIGTERM)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


def checkout(http: httpx.Client, product_id: int) -> dict[str, Any]:
    """Put one of the product in the basket and open the payment page (once the demo's
    worker has brought the product to its Stripe)."""
    put = http.put(f"/api/v1/basket/items/{product_id}", json={"quantity": 1})
    assert put.status_code == 200, put.text

    def opened() -> dict[str, Any] | None:
        response = http.post("/api/v1/checkout")
        if response.status_code == 200:
            return dict(response.json())
        assert response.status_code in (409, 503), response.text  # not synced yet
        return None

    return eventually(opened, f"product {product_id} to check out")


def pay(session_url: str) -> httpx.URL:
    """Pay on the emulator's hosted page as a shopper would; the store's success URL."""
    assert httpx.get(session_url).status_code == 200
    paid = httpx.post(session_url, data=SHIPPING)
    assert paid.status_code == 303, paid.text
    return httpx.URL(paid.headers["location"])


def orders(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("/api/v1/orders")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_a_demo_restarted_mid_purchase_loses_nothing(tmp_path: Path) -> None:
    demo = Demo(tmp_path, free_port())
    try:
        demo.start()
        with httpx.Client(base_url=demo.url, timeout=30) as http:
            token = http.post("/api/v1/auth/token", data=CUSTOMER).json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            listed = http.get("/api/v1/products", params={"limit": 10}).json()["items"]
            first, second, third = [p["id"] for p in listed if p["stock"] > 0][:3]

            # Paid, then killed before anyone opened the success page.
            bought = checkout(http, first)
            pay(bought["url"])
            demo.kill()
            demo.start()
            made = eventually(lambda: orders(http) or None, "the paid session's order")
            assert [(o["total"], o["items"][0]["product_id"]) for o in made] == [
                (bought["amount_total"], first)
            ]

            # A payment page opened before a graceful restart, paid after it.
            pending = checkout(http, second)
            demo.stop()
            demo.start()
            success = pay(pending["url"])
            query = parse_qs(urlsplit(str(success)).query)
            back = http.get(
                "/api/v1/checkout/success",
                params={"session_id": query["session_id"][0], "code": query["code"][0]},
            )
            assert back.status_code == 200, back.text
            assert back.json()["total"] == pending["amount_total"]
            assert len(orders(http)) == 2

            assert checkout(http, third)["url"], "products still check out"
            banner = http.get("/", headers={"Accept-Language": "ru"})
            assert "data-demo-banner" in banner.text and "Демо-магазин" in banner.text
            admin = http.get("/admin/login", headers={"Accept-Language": "ru"})
            assert "data-demo-banner" in admin.text and "Демо-магазин" in admin.text
            assert http.post("/stripe-emulator/_emulator/reset").status_code == 404

            # Its Stripe's state lost: the store syncs its products there again.
            demo.stop()
            (tmp_path / ".vitrina-demo" / "stripe-emulator.json").unlink()
            demo.start()
            assert checkout(http, first)["url"], "products check out on a fresh Stripe"
    finally:
        demo.close()
    log = demo.log.read_text()
    assert log.count("DEMO MODE: no real payments") == 4
    assert "MAIL_BACKEND=console is for development: this mail is printed here, not sent" in log
    kept = {p.name for p in (tmp_path / ".vitrina-demo").iterdir()}
    assert kept == {"secrets.json", "stripe-emulator.json"}
