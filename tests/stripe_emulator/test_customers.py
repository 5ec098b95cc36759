"""Customers (create, retrieve, update, delete, list) and Customers on Checkout Sessions:
`customer`, `customer_email`, `customer_creation`, and `customer_details` as Stripe fills it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import SDK, Receiver, make_price, session_params, wait_for

ADDRESS = {"line1": "1 Main St", "city": "Riga", "postal_code": "LV-1010", "country": "LV"}


async def test_customer_lifecycle(sdk: SDK, receiver: Receiver) -> None:
    customers = sdk.client.v1.customers
    ann = await sdk(
        customers.create,
        {
            "email": "ann@example.com",
            "name": "Ann Lee",
            "phone": "+371 2000 0000",
            "address": ADDRESS,
            "shipping": {"name": "Ann Lee", "address": ADDRESS},
            "metadata": {"vitrina_user_id": "7"},
            "preferred_locales": ["ru", "en"],
        },
    )
    assert ann.id.startswith("cus_") and ann.object == "customer"
    assert ann.address is not None and ann.address.city == "Riga" and ann.address.line2 is None
    assert ann.shipping is not None and ann.shipping.name == "Ann Lee"
    assert (ann.balance, ann.delinquent, ann.tax_exempt, ann.currency) == (0, False, "none", None)
    again = await sdk(customers.retrieve, ann.id)
    assert again.to_dict() == ann.to_dict()
    updated = await sdk(
        customers.update,
        ann.id,
        {"name": "Ann Ozola", "metadata": {"vitrina_user_id": "", "tier": "gold"}, "phone": ""},
    )
    assert (updated.name, updated.phone, updated.metadata.to_dict()) == (
        "Ann Ozola",
        None,
        {"tier": "gold"},
    )
    bob = await sdk(customers.create, {"email": "bob@example.com"})
    listed = await sdk(customers.list, {"limit": 1})
    assert [c.id for c in listed.data] == [bob.id] and listed.has_more
    by_email = await sdk(customers.list, {"email": "ann@example.com"})
    assert [c.id for c in by_email.data] == [ann.id]
    gone = await sdk(customers.delete, bob.id)
    assert (gone.id, gone.deleted) == (bob.id, True)
    stub = await sdk(customers.retrieve, bob.id)
    assert stub.to_dict() == {"id": bob.id, "object": "customer", "deleted": True}
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sdk(customers.update, bob.id, {"name": "Bob"})
    assert missing.value.http_status == 404
    assert [c.id for c in (await sdk(customers.list)).data] == [ann.id]
    wait_for(lambda: receiver.of_type("customer.deleted"))
    assert receiver.of_type("customer.created") and receiver.of_type("customer.updated")


async def test_customer_params_are_checked(sdk: SDK) -> None:
    customers = sdk.client.v1.customers
    with pytest.raises(stripe.InvalidRequestError) as bad_email:
        await sdk(customers.create, {"email": "not an email"})
    assert bad_email.value.param == "email"
    with pytest.raises(stripe.InvalidRequestError) as no_name:
        await sdk(customers.create, {"shipping": {"address": {"city": "Riga"}}})
    assert no_name.value.param == "shipping[name]"
    with pytest.raises(stripe.InvalidRequestError) as not_emulated:
        await sdk(customers.create, {"payment_method": "pm_card_visa"})
    assert not_emulated.value.param == "payment_method"


async def test_session_for_a_customer(sdk: SDK, emulator: EmulatorServer) -> None:
    customer = await sdk(
        sdk.client.v1.customers.create, {"email": "ann@example.com", "name": "Ann"}
    )
    price = make_price(emulator.client(), 1500)
    sessions = sdk.client.v1.checkout.sessions
    session = await sdk(sessions.create, session_params(price.id, customer=customer.id))
    assert session.customer == customer.id
    assert session.customer_details is not None
    assert (session.customer_details.email, session.customer_details.tax_ids) == (
        "ann@example.com",
        None,
    )
    emulator.complete_session(session.id, "paid", email="someone-else@example.com")
    done = await sdk(sessions.retrieve, session.id, {"expand": ["payment_intent.latest_charge"]})
    assert done.customer == customer.id
    assert done.customer_details is not None and done.customer_details.email == "ann@example.com"
    assert done.customer_details.tax_ids == []
    intent = done.payment_intent
    assert isinstance(intent, stripe.PaymentIntent) and intent.customer == customer.id
    assert isinstance(intent.latest_charge, stripe.Charge)
    assert intent.latest_charge.customer == customer.id
    listed = await sdk(sessions.list, {"customer": customer.id})
    assert [s.id for s in listed.data] == [session.id]
    charges = await sdk(sdk.client.v1.charges.list, {"customer": customer.id})
    assert [c.id for c in charges.data] == [intent.latest_charge.id]


async def test_customer_rules_on_sessions(sdk: SDK, emulator: EmulatorServer) -> None:
    customers = sdk.client.v1.customers
    customer = await sdk(customers.create, {"email": "ann@example.com"})
    price = make_price(emulator.client())
    sessions = sdk.client.v1.checkout.sessions
    with pytest.raises(stripe.InvalidRequestError) as both:
        await sdk(
            sessions.create,
            session_params(price.id, customer=customer.id, customer_email="x@example.com"),
        )
    assert both.value.param == "customer_email"
    await sdk(customers.delete, customer.id)
    with pytest.raises(stripe.InvalidRequestError) as deleted:
        await sdk(sessions.create, session_params(price.id, customer=customer.id))
    assert (deleted.value.http_status, deleted.value.code, deleted.value.param) == (
        400,
        "resource_missing",
        "customer",
    )
    with pytest.raises(stripe.InvalidRequestError) as lonely_update:
        await sdk(sessions.create, session_params(price.id, customer_update={"address": "auto"}))
    assert lonely_update.value.param == "customer_update"


async def test_customer_creation_always_makes_a_customer(
    sdk: SDK, emulator: EmulatorServer, receiver: Receiver
) -> None:
    price = make_price(emulator.client(), 2000)
    sessions = sdk.client.v1.checkout.sessions
    guest = await sdk(sessions.create, session_params(price.id, customer_email="g@example.com"))
    assert guest.customer_creation == "if_required"
    assert guest.customer_details is not None and guest.customer_details.email == "g@example.com"
    emulator.complete_session(guest.id, "paid")
    assert (await sdk(sessions.retrieve, guest.id)).customer is None, "a guest stays a guest"
    params = session_params(
        price.id,
        customer_creation="always",
        shipping_address_collection={"allowed_countries": ["LV"]},
    )
    session = await sdk(sessions.create, params)
    assert session.customer is None and session.customer_details is None
    emulator.complete_session(
        session.id,
        "paid",
        email="new@example.com",
        shipping={"name": "Nora Berzina", **{k.lower(): v for k, v in ADDRESS.items()}},
    )
    done = await sdk(sessions.retrieve, session.id)
    assert done.customer is not None
    customer = await sdk(sdk.client.v1.customers.retrieve, str(done.customer))
    assert (customer.email, customer.name) == ("new@example.com", "Nora Berzina")
    assert customer.address is not None and customer.address.postal_code == "LV-1010"
    assert customer.shipping is not None and customer.shipping.name == "Nora Berzina"
    by_email = await sdk(sessions.list, {"customer_details": {"email": "new@example.com"}})
    assert [s.id for s in by_email.data] == [session.id]
    complete = await sdk(sessions.list, {"status": "complete", "limit": 100})
    assert {s.id for s in complete.data} == {guest.id, session.id}
    wait_for(lambda: receiver.of_type("customer.created"))


@pytest.fixture
async def page_http() -> AsyncIterator[httpx.AsyncClient]:
    """A browser's view of the hosted page: plain HTTP, no redirects followed."""
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


class _FormReader(HTMLParser):
    """What a browser would send for the page's payment form: its inputs' values, checked
    boxes only, each select's selected option; buttons are left out (none was clicked)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.readonly: set[str] = set()
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("name")
        if tag == "input" and name:
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            self.values[name] = found.get("value") or ""
            if "readonly" in found:
                self.readonly.add(name)
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.values[self._select] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _payment_form(html: str) -> _FormReader:
    reader = _FormReader()
    reader.feed(html)
    return reader


async def test_page_prefills_the_customers_shipping_and_email(
    sdk: SDK, emulator: EmulatorServer, page_http: httpx.AsyncClient
) -> None:
    """Stripe's page prefills the shipping address from the session Customer's `shipping`
    and the email from the Customer; what the shopper then submits is what the session
    records (`customer_details`, `collected_information`)."""
    shipping = {"name": "Ann Lee", "address": {**ADDRESS, "state": "Riga"}}
    customer = await sdk(
        sdk.client.v1.customers.create,
        {"email": "ann@example.com", "name": "Ann Lee", "shipping": shipping},
    )
    price = make_price(emulator.client(), 1500)
    collect = {"allowed_countries": ["EE", "LV"]}
    session = await sdk(
        sdk.client.v1.checkout.sessions.create,
        session_params(price.id, customer=customer.id, shipping_address_collection=collect),
    )
    form = _payment_form((await page_http.get(session.url)).text)
    prefilled = {key: form.values[key] for key in form.values if key.startswith("shipping_")}
    assert prefilled == {
        "shipping_name": "Ann Lee",
        "shipping_line1": "1 Main St",
        "shipping_line2": "",
        "shipping_city": "Riga",
        "shipping_postal_code": "LV-1010",
        "shipping_state": "Riga",
        "shipping_country": "LV",
    }
    assert form.values["email"] == "ann@example.com" and "email" in form.readonly

    # The shopper adds a flat number to the prefilled address and pays.
    sent = {**form.values, "shipping_line2": "Flat 4", "card_number": "4242 4242 4242 4242"}
    paid = await page_http.post(session.url, data=sent)
    assert paid.status_code == 303, paid.text
    done = await sdk(sdk.client.v1.checkout.sessions.retrieve, session.id)
    details = done.customer_details
    assert details is not None and details.address is not None
    assert (details.email, details.name, details.address.line2) == (
        "ann@example.com",
        "Ann Lee",
        "Flat 4",
    )
    collected = done.collected_information
    assert collected is not None and collected.shipping_details is not None
    assert collected.shipping_details.address.to_dict() == {
        **ADDRESS,
        "line1": "1 Main St",
        "line2": "Flat 4",
        "state": "Riga",
    }
    unchanged = await sdk(sdk.client.v1.customers.retrieve, customer.id)
    assert unchanged.shipping is not None and unchanged.shipping.address.line2 is None


async def test_nothing_to_prefill_leaves_the_fields_empty(
    sdk: SDK, emulator: EmulatorServer, page_http: httpx.AsyncClient
) -> None:
    """No saved shipping, or a saved address in a country the session does not ship to:
    the shopper types the address (and the test control falls back to its own)."""
    price = make_price(emulator.client(), 1500)
    customers = sdk.client.v1.customers
    plain = await sdk(customers.create, {"email": "bob@example.com"})
    abroad = await sdk(
        customers.create,
        {"email": "eve@example.com", "shipping": {"name": "Eve", "address": ADDRESS}},
    )
    for customer in (plain, abroad):
        session = await sdk(
            sdk.client.v1.checkout.sessions.create,
            session_params(
                price.id,
                customer=customer.id,
                shipping_address_collection={"allowed_countries": ["EE"]},
            ),
        )
        form = _payment_form((await page_http.get(session.url)).text)
        assert form.values["email"] == customer.email
        assert form.values["shipping_line1"] == "" and form.values["shipping_name"] == ""


async def test_completing_by_control_takes_the_saved_shipping(
    sdk: SDK, emulator: EmulatorServer
) -> None:
    """The test control pays as a shopper who accepts what the page prefilled."""
    customer = await sdk(
        sdk.client.v1.customers.create,
        {"email": "ann@example.com", "shipping": {"name": "Ann Lee", "address": ADDRESS}},
    )
    price = make_price(emulator.client(), 1500)
    session = await sdk(
        sdk.client.v1.checkout.sessions.create,
        session_params(
            price.id,
            customer=customer.id,
            shipping_address_collection={"allowed_countries": ["LV"]},
        ),
    )
    emulator.complete_session(session.id, "paid")
    done = await sdk(sdk.client.v1.checkout.sessions.retrieve, session.id)
    shipped = done.collected_information.shipping_details
    assert (shipped.name, shipped.address.line1, shipped.address.country) == (
        "Ann Lee",
        "1 Main St",
        "LV",
    )
