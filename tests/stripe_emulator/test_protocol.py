"""Auth, Request-Id, error shapes, unknown/missing/mistyped parameters, unknown URLs."""

from __future__ import annotations

import httpx
import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import auth


def test_missing_and_wrong_keys_are_401(emulator: EmulatorServer, http: httpx.Client) -> None:
    response = http.get("/v1/products")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.headers["Request-Id"].startswith("req_")
    assert http.get("/v1/products", headers=auth("pk_test_123")).status_code == 401
    assert http.get("/v1/products", headers=auth("sk_live_123")).status_code == 401
    bad = stripe.StripeClient("sk_live_nope", base_addresses={"api": emulator.base_url})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.products.list()


def test_basic_auth_with_key_as_user(http: httpx.Client) -> None:
    response = http.get("/v1/products", auth=("sk_test_emulator_0123456789", ""))
    assert response.status_code == 200
    assert response.json() == {
        "object": "list",
        "data": [],
        "has_more": False,
        "url": "/v1/products",
    }


def test_request_id_on_every_response(http: httpx.Client) -> None:
    for response in (
        http.get("/v1/products", headers=auth()),
        http.post("/v1/products", data={}, headers=auth()),
        http.get("/v1/nothing_here", headers=auth()),
    ):
        assert response.headers["Request-Id"].startswith("req_")


def test_error_shape(http: httpx.Client) -> None:
    response = http.post("/v1/products", data={"name": "Tea", "foo": "1"}, headers=auth())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "parameter_unknown"
    assert error["param"] == "foo"
    assert error["message"] == "Received unknown parameter: foo"


def test_unknown_nested_parameter(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "success_url": "http://x/s",
                "line_items": [{"price": "p", "quantity": 1, "colour": "red"}],
            }
        )
    assert raised.value.code == "parameter_unknown"
    assert raised.value.param == "line_items[0][colour]"
    assert raised.value.user_message == "Received unknown parameter: line_items[0][colour]"


def test_idempotency_key_sent_as_a_param_is_unknown(sc: stripe.StripeClient) -> None:
    """The STRIPE.md trap: `idempotency_key` inside params goes out as a form field."""
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.create({"name": "Tea", "idempotency_key": "oops"})
    assert raised.value.param == "idempotency_key"


def test_missing_required_parameter(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.create({})
    assert (raised.value.code, raised.value.param) == ("parameter_missing", "name")
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.webhook_endpoints.create({"url": "http://x/hook"})
    assert raised.value.param == "enabled_events"


def test_type_errors(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.list({"limit": "many"})
    assert raised.value.code == "parameter_invalid_integer"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.create({"name": "Tea", "active": "maybe"})
    assert raised.value.param == "active"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.create({"name": "Tea", "type": "gadget"})
    assert raised.value.param == "type"


def test_unknown_url_is_404(http: httpx.Client) -> None:
    response = http.get("/v1/customers_of_mars", headers=auth())
    assert response.status_code == 404
    assert "Unrecognized request URL" in response.json()["error"]["message"]


def test_rate_limit_fault_maps_to_rate_limit_error(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    emulator.control("POST", "faults", {"kind": "429", "count": 2})
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError):
            sc.v1.products.list()
    assert sc.v1.products.list().data == []
    assert emulator.control("GET", "faults")["data"][0]["remaining"] == 0


def test_fault_window_and_clear(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    emulator.control("POST", "faults", {"kind": "500", "seconds": 30, "path_prefix": "/v1/coupons"})
    with pytest.raises(stripe.APIError):
        sc.v1.coupons.list()
    with pytest.raises(stripe.APIError):
        sc.v1.coupons.list()
    assert sc.v1.products.list().data == []
    emulator.control("DELETE", "faults")
    assert sc.v1.coupons.list().data == []


def test_calls_log(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    sc.v1.products.create({"name": "Tea", "metadata": {"a": "b"}}, {"idempotency_key": "log-1"})
    sc.v1.products.list({"limit": 3})
    calls = emulator.control("GET", "calls")["data"]
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("POST", "/v1/products", 200),
        ("GET", "/v1/products", 200),
    ]
    assert calls[0]["params"] == {"name": "Tea", "metadata": {"a": "b"}}
    assert calls[0]["idempotency_key"] == "log-1"
    assert calls[1]["params"] == {"limit": "3"}


def test_bad_expand_is_refused_before_anything_happens(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.create({"name": "Tea", "expand": ["name"]}, {"idempotency_key": "x-1"})
    assert raised.value.param == "expand"
    assert sc.v1.products.list().data == []
    assert sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "x-1"}).name == "Tea"


def test_request_id_on_pages_and_controls(emulator: EmulatorServer, http: httpx.Client) -> None:
    assert http.get("/_emulator/clock").headers["Request-Id"].startswith("req_")
    assert http.get("/c/pay/cs_test_missing").headers["Request-Id"].startswith("req_")
    assert http.get("/nowhere").headers["Request-Id"].startswith("req_")
