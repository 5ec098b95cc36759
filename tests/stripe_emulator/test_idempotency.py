"""Server-side idempotency: replay, other parameters, in flight, validation failures, 24 h."""

from __future__ import annotations

import threading

import httpx
import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import auth


def _products(emulator: EmulatorServer) -> list[dict[str, object]]:
    calls = emulator.control("GET", "calls?path=/v1/products&method=POST")["data"]
    return list(calls)


def test_same_key_replays_the_first_response(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    first = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-1"})
    again = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-1"})
    assert again.id == first.id
    assert len(sc.v1.products.list().data) == 1
    assert [c["replayed"] for c in _products(emulator)] == [False, True]


def test_replay_header(http: httpx.Client) -> None:
    headers = {**auth(), "Idempotency-Key": "k-h"}
    first = http.post("/v1/products", data={"name": "Tea"}, headers=headers)
    second = http.post("/v1/products", data={"name": "Tea"}, headers=headers)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Request-Id"] != first.headers["Request-Id"]


def test_same_key_other_parameters_is_an_idempotency_error(sc: stripe.StripeClient) -> None:
    sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-2"})
    with pytest.raises(stripe.IdempotencyError) as raised:
        sc.v1.products.create({"name": "Coffee"}, {"idempotency_key": "k-2"})
    assert raised.value.http_status == 400
    with pytest.raises(stripe.IdempotencyError):
        sc.v1.coupons.create({"percent_off": 5}, {"idempotency_key": "k-2"})


def test_errors_after_validation_are_stored(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.prices.create(
            {"product": "prod_later", "currency": "usd", "unit_amount": 5},
            {"idempotency_key": "k-3"},
        )
    sc.v1.products.create({"id": "prod_later", "name": "Later"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.prices.create(
            {"product": "prod_later", "currency": "usd", "unit_amount": 5},
            {"idempotency_key": "k-3"},
        )
    assert raised.value.code == "resource_missing"


def test_nothing_stored_when_parameters_fail_validation(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.create({"name": "Tea", "colour": "green"}, {"idempotency_key": "k-4"})
    assert raised.value.code == "parameter_unknown"
    fixed = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-4"})
    assert fixed.name == "Tea"


def test_500_is_stored_and_replayed(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    emulator.control("POST", "faults", {"kind": "500", "count": 1, "path_prefix": "/v1/products"})
    with pytest.raises(stripe.APIError) as raised:
        sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-5"})
    assert raised.value.http_status == 500
    with pytest.raises(stripe.APIError):
        sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-5"})
    assert sc.v1.products.list().data == []
    assert sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-6"}).name == "Tea"


def test_in_flight_request_gets_409(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    emulator.control(
        "POST", "faults", {"kind": "slow", "delay": 1.0, "count": 1, "path_prefix": "/v1/products"}
    )
    results: dict[str, object] = {}

    def slow_call() -> None:
        results["first"] = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-7"})

    thread = threading.Thread(target=slow_call)
    thread.start()
    emulator_calls = lambda: len(_products(emulator))  # noqa: E731
    import time

    deadline = time.monotonic() + 5
    while emulator_calls() < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(stripe.APIError) as raised:
        sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-7"})
    assert raised.value.http_status == 409
    thread.join()
    first = results["first"]
    assert isinstance(first, stripe.Product)
    assert sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-7"}).id == first.id


def test_keys_expire_after_24_hours(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    first = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-8"})
    emulator.control("POST", "clock/advance", {"seconds": 23 * 3600})
    assert sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-8"}).id == first.id
    emulator.control("POST", "clock/advance", {"seconds": 3600 + 1})
    fresh = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-8"})
    assert fresh.id != first.id


def test_dropped_connection_then_retry_with_same_key(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    emulator.control(
        "POST", "faults", {"kind": "dropped", "count": 1, "path_prefix": "/v1/products"}
    )
    with pytest.raises(stripe.APIConnectionError):
        sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-9"})
    retried = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k-9"})
    assert [p.id for p in sc.v1.products.list().data] == [retried.id]


def test_sdk_retries_reuse_the_key(emulator: EmulatorServer) -> None:
    client = emulator.client(max_network_retries=2)
    emulator.control("POST", "faults", {"kind": "429", "count": 1, "path_prefix": "/v1/products"})
    product = client.v1.products.create({"name": "Tea"})
    calls = _products(emulator)
    assert [c["status"] for c in calls] == [429, 200]
    assert calls[0]["idempotency_key"] == calls[1]["idempotency_key"]
    assert product.name == "Tea"


def test_overlong_key_is_refused(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.IdempotencyError):
        sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "k" * 256})
    assert sc.v1.products.list().data == []
