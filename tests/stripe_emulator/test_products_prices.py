"""Products and prices: ids, immutability, archive-not-delete, default prices, lists."""

from __future__ import annotations

import pytest
import stripe

from .conftest import make_price


def test_product_with_default_price_data(sc: stripe.StripeClient) -> None:
    product = sc.v1.products.create(
        {"name": "Tea", "default_price_data": {"currency": "USD", "unit_amount": 1250}}
    )
    assert product.object == "product" and product.active is True
    assert isinstance(product.default_price, str)
    price = sc.v1.prices.retrieve(product.default_price)
    assert (price.unit_amount, price.currency, price.product) == (1250, "usd", product.id)
    assert price.unit_amount_decimal is not None and str(price.unit_amount_decimal) == "1250"


def test_caller_chosen_id_and_duplicate(sc: stripe.StripeClient) -> None:
    sc.v1.products.create({"id": "sku-tea", "name": "Tea"})
    assert sc.v1.products.retrieve("sku-tea").name == "Tea"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.create({"id": "sku-tea", "name": "Tea again"})
    assert raised.value.code == "resource_already_exists"
    assert raised.value.http_status == 400


def test_missing_product_is_404(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.retrieve("prod_nope")
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
    assert "No such product: 'prod_nope'" in str(raised.value.user_message)


def test_price_amount_is_immutable(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.prices.update(price.id, {"unit_amount": 2000})
    assert raised.value.code == "parameter_unknown"
    assert raised.value.param == "unit_amount"
    assert sc.v1.prices.retrieve(price.id).unit_amount == 1000


def test_price_mutable_fields(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    updated = sc.v1.prices.update(
        price.id, {"nickname": "Standard", "lookup_key": "tea", "metadata": {"a": "1"}}
    )
    assert (updated.nickname, updated.lookup_key, updated.metadata.to_dict()) == (
        "Standard",
        "tea",
        {"a": "1"},
    )
    other = sc.v1.prices.create({"product": price.product, "currency": "usd", "unit_amount": 5})
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.prices.update(other.id, {"lookup_key": "tea"})
    moved = sc.v1.prices.update(other.id, {"lookup_key": "tea", "transfer_lookup_key": True})
    assert moved.lookup_key == "tea"
    assert sc.v1.prices.retrieve(price.id).lookup_key is None


def test_lookup_keys_move_on_create_and_find_prices(sc: stripe.StripeClient) -> None:
    first = make_price(sc, 1590)
    product = str(first.product)
    sc.v1.prices.update(first.id, {"lookup_key": "TS-M"})
    params: stripe.params.PriceCreateParams = {
        "product": product,
        "currency": "usd",
        "unit_amount": 1790,
        "lookup_key": "TS-M",
    }
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.prices.create(params)
    assert raised.value.param == "lookup_key"
    assert len(sc.v1.prices.list({"product": product}).data) == 1  # nothing made
    second = sc.v1.prices.create({**params, "transfer_lookup_key": True})
    sc.v1.prices.create({"product": product, "currency": "usd", "unit_amount": 5})
    found = sc.v1.prices.list({"lookup_keys": ["TS-M", "TS-L"]}).data
    assert [(p.id, p.lookup_key, p.unit_amount) for p in found] == [(second.id, "TS-M", 1790)]
    assert sc.v1.prices.retrieve(first.id).lookup_key is None


def test_archiving_the_default_price_is_refused(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.prices.update(price.id, {"active": False})
    assert raised.value.param == "active"
    assert sc.v1.prices.retrieve(price.id).active is True


def test_change_amount_by_new_default_price(sc: stripe.StripeClient) -> None:
    old = make_price(sc, 1000)
    product_id = str(old.product)
    new = sc.v1.prices.create({"product": product_id, "currency": "usd", "unit_amount": 1200})
    product = sc.v1.products.update(product_id, {"default_price": new.id})
    assert product.default_price == new.id
    archived = sc.v1.prices.update(old.id, {"active": False})
    assert archived.active is False
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.products.update(product_id, {"default_price": old.id})


def test_default_price_of_another_product_is_refused(sc: stripe.StripeClient) -> None:
    mine = make_price(sc)
    theirs = make_price(sc, name="Coffee")
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.update(str(mine.product), {"default_price": theirs.id})
    assert raised.value.param == "default_price"


def test_product_with_prices_cannot_be_deleted_only_archived(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    product_id = str(price.product)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.delete(product_id)
    assert raised.value.http_status == 400
    assert sc.v1.products.update(product_id, {"active": False}).active is False
    lonely = sc.v1.products.create({"name": "No prices"})
    deleted = sc.v1.products.delete(lonely.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.products.retrieve(lonely.id)


def test_price_validation(sc: stripe.StripeClient) -> None:
    product = sc.v1.products.create({"name": "Tea"})
    cases = [
        ({"product": product.id, "currency": "usd", "unit_amount": -1}, "unit_amount"),
        ({"product": product.id, "currency": "usd", "unit_amount": 12.5}, "unit_amount"),
        ({"product": product.id, "currency": "dollars", "unit_amount": 1}, "currency"),
        ({"product": "prod_missing", "currency": "usd", "unit_amount": 1}, "product"),
        ({"product": product.id, "currency": "usd"}, "unit_amount"),
    ]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as raised:
            sc.v1.prices.create(params)
        assert raised.value.param == param, params
        assert raised.value.http_status == 400
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": 12.5})
    assert raised.value.code == "parameter_invalid_integer"
    zero_decimal = sc.v1.prices.create(
        {"product": product.id, "currency": "JPY", "unit_amount": 500}
    )
    assert (zero_decimal.currency, zero_decimal.unit_amount) == ("jpy", 500)


def test_price_with_product_data(sc: stripe.StripeClient) -> None:
    price = sc.v1.prices.create(
        {"currency": "eur", "unit_amount": 300, "product_data": {"name": "Biscuit"}}
    )
    assert sc.v1.products.retrieve(str(price.product)).name == "Biscuit"
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.prices.create({"currency": "xx", "unit_amount": 3, "product_data": {"name": "Ghost"}})
    assert [p.name for p in sc.v1.products.list().data] == ["Biscuit"]


def test_product_update_and_metadata_rules(sc: stripe.StripeClient) -> None:
    product = sc.v1.products.create(
        {"name": "Tea", "description": "Green", "metadata": {"a": "1", "b": "2"}}
    )
    updated = sc.v1.products.update(
        product.id, {"name": "Green tea", "description": "", "metadata": {"a": "", "c": "3"}}
    )
    assert updated.name == "Green tea"
    assert updated.description is None
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    assert updated.updated >= product.updated
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.update(product.id, {"metadata": {"k" * 41: "v"}})
    assert raised.value.param == f"metadata[{'k' * 41}]"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.products.update(product.id, {"metadata": {"nested": {"x": "y"}}})
    assert raised.value.http_status == 400
    cleared = sc.v1.products.update(product.id, {"metadata": ""})
    assert cleared.metadata.to_dict() == {}


def test_lists_newest_first_with_cursors_and_filters(sc: stripe.StripeClient) -> None:
    ids = [sc.v1.products.create({"name": f"P{i}"}).id for i in range(5)]
    sc.v1.products.update(ids[0], {"active": False})
    first = sc.v1.products.list({"limit": 2})
    assert [p.id for p in first.data] == [ids[4], ids[3]]
    assert first.has_more is True
    second = sc.v1.products.list({"limit": 2, "starting_after": ids[3]})
    assert [p.id for p in second.data] == [ids[2], ids[1]]
    back = sc.v1.products.list({"limit": 2, "ending_before": ids[1]})
    assert [p.id for p in back.data] == [ids[3], ids[2]]
    assert [p.id for p in sc.v1.products.list({"active": False}).data] == [ids[0]]
    assert {p.id for p in sc.v1.products.list({"ids": [ids[1], ids[2]]}).data} == {ids[1], ids[2]}
    everything = [p.id for p in sc.v1.products.list({"limit": 2}).auto_paging_iter()]
    assert everything == list(reversed(ids))
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.products.list({"limit": 101})


def test_price_list_filters(sc: stripe.StripeClient) -> None:
    tea = make_price(sc)
    coffee = make_price(sc, name="Coffee")
    extra = sc.v1.prices.create({"product": str(tea.product), "currency": "usd", "unit_amount": 1})
    sc.v1.prices.update(extra.id, {"active": False})
    by_product = sc.v1.prices.list({"product": str(tea.product)})
    assert [p.id for p in by_product.data] == [extra.id, tea.id]
    active = sc.v1.prices.list({"product": str(tea.product), "active": True})
    assert [p.id for p in active.data] == [tea.id]
    assert coffee.id in [p.id for p in sc.v1.prices.list().data]


def test_a_refused_update_changes_nothing(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    product_id = str(price.product)
    events_before = len(sc.v1.events.list().data)
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.products.update(product_id, {"name": "Renamed", "default_price": "price_nope"})
    assert sc.v1.products.retrieve(product_id).name == "Tea"
    assert len(sc.v1.events.list().data) == events_before


def test_non_ascii_text_round_trips(sc: stripe.StripeClient) -> None:
    product = sc.v1.products.create(
        {"name": "Чай зелёный", "metadata": {"категория": "напитки & чай=да"}}
    )
    again = sc.v1.products.retrieve(product.id)
    assert again.name == "Чай зелёный"
    assert again.metadata.to_dict() == {"категория": "напитки & чай=да"}
