"""Tax Rates through the SDK (sync and async): create, retrieve, update, list, and their rules."""

from __future__ import annotations

from typing import Any

from .conftest import SDK, new_price, refused, session_params


async def test_create_retrieve_update_list(sdk: SDK) -> None:
    rates = sdk.client.v1.tax_rates
    vat = await sdk(
        rates.create,
        {
            "display_name": "VAT",
            "percentage": 19,
            "inclusive": True,
            "country": "DE",
            "jurisdiction": "DE",
            "tax_type": "vat",
            "description": "VAT Germany",
            "metadata": {"class": "standard"},
        },
    )
    assert vat.id.startswith("txr_")
    assert (vat.percentage, vat.inclusive, vat.country, vat.tax_type) == (19.0, True, "DE", "vat")
    assert (vat.active, vat.state, vat.effective_percentage, vat.flat_amount) == (
        True,
        None,
        None,
        None,
    )
    sales = await sdk(
        rates.create,
        {
            "display_name": "Sales Tax",
            "percentage": 7.25,
            "inclusive": False,
            "country": "US",
            "state": "CA",
        },
    )
    assert (await sdk(rates.retrieve, vat.id)).display_name == "VAT"
    renamed = await sdk(
        rates.update,
        vat.id,
        {"display_name": "MwSt", "description": "", "metadata": {"class": ""}, "active": False},
    )
    assert (renamed.display_name, renamed.description, renamed.active) == ("MwSt", None, False)
    assert renamed.metadata is not None and renamed.metadata.to_dict() == {}
    assert renamed.percentage == 19.0
    listed = await sdk(rates.list)
    assert [r.id for r in listed.data] == [sales.id, vat.id]
    assert [r.id for r in (await sdk(rates.list, {"active": True})).data] == [sales.id]
    assert [r.id for r in (await sdk(rates.list, {"inclusive": True})).data] == [vat.id]
    events = await sdk(sdk.client.v1.events.list, {"type": "tax_rate.*"})
    assert [e.type for e in events.data] == [
        "tax_rate.updated",
        "tax_rate.created",
        "tax_rate.created",
    ]


async def test_percentage_and_inclusive_are_fixed(sdk: SDK) -> None:
    rates = sdk.client.v1.tax_rates
    rate = await sdk(rates.create, {"display_name": "VAT", "percentage": 20, "inclusive": False})
    for field, value in (("percentage", "21"), ("inclusive", "true")):
        error = await refused(sdk, rates.update, rate.id, {field: value})
        assert (error.code, error.param) == ("parameter_unknown", field)
    assert (await sdk(rates.retrieve, rate.id)).percentage == 20.0


async def test_tax_rate_validation(sdk: SDK) -> None:
    rates = sdk.client.v1.tax_rates
    base: dict[str, Any] = {"display_name": "VAT", "percentage": 20, "inclusive": False}
    for extra, param in (
        ({"percentage": 101}, "percentage"),
        ({"percentage": -1}, "percentage"),
        ({"percentage": "7.12345"}, "percentage"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 51}, "display_name"),
        ({"country": "XX"}, "country"),
        ({"tax_type": "poll_tax"}, "tax_type"),
    ):
        assert (await refused(sdk, rates.create, {**base, **extra})).param == param
    missing = await refused(sdk, rates.create, {"display_name": "VAT", "percentage": 20})
    assert (missing.code, missing.param) == ("parameter_missing", "inclusive")
    assert (await sdk(rates.create, {**base, "percentage": "7.1234"})).percentage == 7.1234


async def test_archived_or_unknown_rate_cannot_be_applied(sdk: SDK) -> None:
    price = await new_price(sdk, 1000)
    rate = await sdk(
        sdk.client.v1.tax_rates.create,
        {"display_name": "VAT", "percentage": 20, "inclusive": False},
    )
    await sdk(sdk.client.v1.tax_rates.update, rate.id, {"active": False})
    sessions = sdk.client.v1.checkout.sessions
    params = session_params(price.id)
    params["line_items"][0]["tax_rates"] = [rate.id]
    assert (await refused(sdk, sessions.create, params)).param == "line_items[0][tax_rates][0]"
    params["line_items"][0]["tax_rates"] = ["txr_missing"]
    missing = await refused(sdk, sessions.create, params)
    assert (missing.code, missing.param) == ("resource_missing", "line_items[0][tax_rates][0]")
