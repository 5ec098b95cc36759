"""The basket: one per customer or guest (`Owner`), created on first use.

Every change to the contents or the coupon while a Checkout Session is open first expires that
session in Stripe (`ExpireSession`), releases its stock and replaces the basket's
`unique_code`, so the old payment page can no longer be paid and its success link no longer
matches the basket. Mutations lock the basket row first (lock order: basket, products, coupon).

A guest's basket (`Guest`, known by a signed cookie) works the same way until checkout, which
needs an account: logging in or registering merges it into the account's (`merge_guest_basket`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import stripe
import structlog
from sqlalchemy import ColumnElement, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from vitrina.accounts.sessions import Account
from vitrina.basket.codes import new_unique_code
from vitrina.basket.guest import Guest
from vitrina.basket.models import (
    Basket,
    BasketItem,
    CheckoutSession,
    CheckoutStatus,
)
from vitrina.basket.reservations import (
    held_by_other_checkouts,
    purge_expired_reservations,
    release_reservations,
    reserved_quantities,
)
from vitrina.basket.rows import (
    BasketRow,
    LineRow,
    ProductRow,
    VariantRow,
    basket_lines_shown,
    locked_basket_row,
    only_variant_row,
    product_row,
    variant_row,
)
from vitrina.basket.sold import sold_variants
from vitrina.catalog.models import Product, ProductVariant
from vitrina.coupons import service as coupons
from vitrina.coupons.models import DiscountCoupon
from vitrina.errors import Conflict, NotFound, Unprocessable, VitrinaError
from vitrina.kit.clock import utcnow
from vitrina.payments.checkout_session import ExpireSession, stripe_error
from vitrina.payments.client import make_stripe_client
from vitrina.reads import run

log = structlog.get_logger(__name__)

PAID_WHILE_EDITING = (
    "This basket has just been paid for, so it can no longer be changed. "
    "Your order is being created; refresh the page to see it."
)


Owner = Account | Guest
"""Whose basket: a customer's (an account: a `User`, or the `SignedIn` row the basket's own
requests read) or a guest's (a signed cookie)."""


_BASKET_OF_USER = select(Basket).where(Basket.user_id == bindparam("owner"))
_BASKET_OF_GUEST = select(Basket).where(Basket.guest_key == bindparam("owner"))
_BASKET_OF = {
    (False, False): _BASKET_OF_USER,
    (True, False): _BASKET_OF_GUEST,
    (False, True): _BASKET_OF_USER.with_for_update().execution_options(populate_existing=True),
    (True, True): _BASKET_OF_GUEST.with_for_update().execution_options(populate_existing=True),
}
"""The owner's basket (a customer's, a guest's; locked or not): built once, as every basket
request reads it."""


def _owned_by(owner: Owner) -> ColumnElement[bool]:
    if isinstance(owner, Guest):
        return Basket.guest_key == owner.key
    return Basket.user_id == owner.id


def customer_of(owner: Owner) -> Account | None:
    """The account a basket belongs to (None for a guest), for coupon rules."""
    return None if isinstance(owner, Guest) else owner


async def find_basket(session: AsyncSession, owner: Owner, *, lock: bool = False) -> Basket | None:
    """The owner's basket if there is one (a guest who added nothing has none)."""
    is_guest = isinstance(owner, Guest)
    key = owner.key if isinstance(owner, Guest) else owner.id
    return await session.scalar(_BASKET_OF[is_guest, lock], {"owner": key})


async def get_basket(session: AsyncSession, owner: Owner, *, lock: bool = False) -> Basket:
    """The owner's basket, created on first use (race-free), with a code."""
    basket = await find_basket(session, owner, lock=lock)
    if basket is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        now = utcnow()
        values: dict[str, str | int]
        if isinstance(owner, Guest):
            values, unique = {"guest_key": owner.key}, "guest_key"
        else:
            values, unique = {"user_id": owner.id}, "user_id"
        await session.execute(
            insert(Basket)
            .values(**values, unique_code=new_unique_code(), created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[unique])
        )
        basket = await find_basket(session, owner, lock=lock)
        assert basket is not None
    if basket.unique_code is None:
        basket.unique_code = new_unique_code()
    return basket


async def basket_lines(
    session: AsyncSession, basket: Basket, *, with_images: bool = True
) -> list[BasketItem]:
    """The basket's lines with their product and variant (and its option values)."""
    product = selectinload(BasketItem.product)
    variant = selectinload(BasketItem.variant).selectinload(ProductVariant.values)
    query = select(BasketItem).where(BasketItem.basket_id == basket.id).order_by(BasketItem.id)
    if with_images:
        query = query.options(product.selectinload(Product.images), variant)
    else:
        query = query.options(product, variant)
    return list(await session.scalars(query))


async def lines_and_held(session: AsyncSession, basket: Basket | BasketRow) -> list[LineRow]:
    """The basket's lines with their products, variants (with option values), images and
    the quantity of each variant that other checkouts hold, as plain rows
    (`basket/rows.py`): one statement, and one more when some variant has options."""
    return await basket_lines_shown(session, basket.id, utcnow(), basket.session_id or "")


async def basket_coupon(session: AsyncSession, basket: Basket | BasketRow) -> DiscountCoupon | None:
    if basket.coupon_id is None:
        return None
    return await session.get(DiscountCoupon, basket.coupon_id)


async def current_checkout(
    session: AsyncSession, basket: Basket | BasketRow
) -> CheckoutSession | None:
    if basket.session_id is None:
        return None
    return await session.get(CheckoutSession, basket.session_id)


async def expire_in_stripe(checkout_session_id: str) -> None:
    """Expire the Stripe session; already expired or unknown is fine, already paid is not."""
    client = make_stripe_client()
    try:
        await ExpireSession(session_id=checkout_session_id, client=client).expire_session_async()
        return
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return
        try:
            current = await client.v1.checkout.sessions.retrieve_async(checkout_session_id)
        except stripe.StripeError as retrieve_exc:
            raise stripe_error(retrieve_exc, action="update your basket") from retrieve_exc
        if current.status == "complete":
            raise Conflict(PAID_WHILE_EDITING) from exc
        if current.status == "open":
            raise stripe_error(exc, action="update your basket") from exc
    except stripe.StripeError as exc:
        raise stripe_error(exc, action="update your basket while its payment page is open") from exc


async def close_checkout(session: AsyncSession, basket: Basket) -> None:
    """Retire the basket's Checkout Session, if any, before its contents change."""
    checkout = await current_checkout(session, basket)
    if basket.session_id is None:
        return
    if checkout is not None:
        if checkout.status == CheckoutStatus.COMPLETE:
            raise Conflict(PAID_WHILE_EDITING)
        if checkout.status == CheckoutStatus.OPEN:
            await expire_in_stripe(checkout.id)
            await release_reservations(session, checkout.id)
            log.info("checkout_session_retired", session_id=checkout.id, basket_id=basket.id)
    basket.session_id = None
    basket.unique_code = new_unique_code()


def _out_of_stock(name: str, available: int) -> str:
    if available <= 0:
        return f"“{name}” is out of stock."
    return f"Only {available} of “{name}” left in stock."


async def available_stock(session: AsyncSession, basket: Basket, variant: ProductVariant) -> int:
    """The variant's stock less what other checkouts hold."""
    reserved = await reserved_quantities(session, [variant.id], exclude_session=basket.session_id)
    return max(variant.stock - reserved.get(variant.id, 0), 0)


async def chosen_variant(
    session: AsyncSession, product_id: int, variant_id: int | None
) -> tuple[ProductRow, VariantRow]:
    """The product and the variant a basket line is of, as plain rows (`basket/rows.py`):
    `variant_id` when given (it must be one of the product's), else the product's only
    variant (422 for a product sold in several: the shopper must choose)."""
    product = await product_row(session, product_id)
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.")
    if variant_id is not None:
        variant = await variant_row(session, variant_id)
        if variant is None or variant.product_id != product_id:
            raise NotFound(f"“{product.name}” has no variant {variant_id}.")
        return product, variant
    only = await only_variant_row(session, product_id)
    if only is None:
        raise Unprocessable(
            f"“{product.name}” comes in several variants: choose one (variant_id).",
            field="variant_id",
        )
    return product, only


async def _basket_to_change(session: AsyncSession, owner: Owner) -> Basket | BasketRow:
    """The owner's basket, locked, for a change of its lines. On PostgreSQL, where the
    line's statement also stamps the basket, one with a code and no checkout is read as a
    plain row: nothing else of it changes. Else the entity `get_basket` makes or loads (a
    first basket, a code to give, a checkout to retire, SQLite's stamp)."""
    if session.get_bind().dialect.name == "postgresql":
        row = await locked_basket_row(session, owner.key if isinstance(owner, Guest) else owner.id)
        if row is not None:
            return row
    return await get_basket(session, owner, lock=True)


async def _retire_checkout(session: AsyncSession, basket: Basket | BasketRow) -> None:
    """`close_checkout` before the lines change (a basket read as a row has no checkout)."""
    if isinstance(basket, Basket):
        await close_checkout(session, basket)


async def set_quantity(
    session: AsyncSession,
    owner: Owner,
    product_id: int,
    quantity: int,
    variant_id: int | None = None,
) -> Basket | BasketRow:
    """Put `quantity` of a product's variant in the basket (0 removes it); returns the
    (locked) basket, so that the answer can show it without reading it again."""
    basket = await _basket_to_change(session, owner)
    product, variant = await chosen_variant(session, product_id, variant_id)
    line = (
        await run(
            session,
            _LINE_AND_HELD,
            {
                "basket_id": basket.id,
                "variant_id": variant.id,
                "now": utcnow(),
                "own_session": basket.session_id or "",
            },
        )
    )[0]
    have: int | None = line["have"]
    if quantity == 0:
        if have is not None:
            await _retire_checkout(session, basket)
            await run(session, _REMOVE_LINE, {"basket_id": basket.id, "variant_id": variant.id})
            _forget_line(session, basket.id, variant.id)
        return basket
    sold = (await sold_variants(session, [(product, variant)]))[0]
    if not sold.is_active:
        raise Conflict(f"“{sold.name}” is no longer for sale.")
    if have == quantity:
        return basket
    available = max(variant.stock - int(line["held"]), 0)
    if quantity > available:
        raise Conflict(_out_of_stock(sold.name, available))
    await _retire_checkout(session, basket)
    now = utcnow()
    values = {
        "basket_id": basket.id,
        "product_id": product_id,
        "variant_id": variant.id,
        "quantity": quantity,
        "now": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        await run(session, _PUT_LINE_PG, values)
        if isinstance(basket, Basket):
            set_committed_value(basket, "updated_at", now)
    else:
        assert isinstance(basket, Basket)  # `_basket_to_change` reads no row on SQLite
        await run(session, _PUT_LINE_SQLITE, values)
        basket.updated_at = now
        await session.flush()
    _forget_line(session, basket.id, variant.id)
    return basket


_items_table = cast(Table, BasketItem.__table__)
_LINE_AND_HELD = select(
    select(_items_table.c.quantity)
    .where(
        _items_table.c.basket_id == bindparam("basket_id"),
        _items_table.c.variant_id == bindparam("variant_id"),
    )
    .scalar_subquery()
    .label("have"),
    held_by_other_checkouts(bindparam("variant_id")).label("held"),
)
"""A basket line's quantity (NULL: none) and what other checkouts hold of its variant."""


def _put_line(insert: Any) -> Any:
    """`INSERT ... ON CONFLICT (basket, variant) DO UPDATE`: the line, new or changed."""
    statement = insert(_items_table).values(
        basket_id=bindparam("basket_id"),
        product_id=bindparam("product_id"),
        variant_id=bindparam("variant_id"),
        quantity=bindparam("quantity"),
        added_at=bindparam("now"),
    )
    return statement.on_conflict_do_update(
        index_elements=["basket_id", "variant_id"],
        set_={"quantity": statement.excluded.quantity},
    )


_PUT_LINE_SQLITE = _put_line(sqlite_insert)
_PUT_LINE_PG = _put_line(pg_insert).add_cte(
    update(cast(Table, Basket.__table__))
    .where(Basket.__table__.c.id == bindparam("basket_id"))
    .values(updated_at=bindparam("now"))
    .cte("touched")
)
"""PostgreSQL: the line and the basket's `updated_at` in one statement."""
_REMOVE_LINE = delete(_items_table).where(
    _items_table.c.basket_id == bindparam("basket_id"),
    _items_table.c.variant_id == bindparam("variant_id"),
)


def _forget_line(session: AsyncSession, basket_id: int, variant_id: int) -> None:
    """A line object this session holds is read again when next used (written in Core)."""
    for held in list(session.identity_map.values()):
        if isinstance(held, BasketItem) and (held.basket_id, held.variant_id) == (
            basket_id,
            variant_id,
        ):
            session.expunge(held)


async def remove_item(
    session: AsyncSession, owner: Owner, product_id: int, variant_id: int | None = None
) -> None:
    """Remove a product's variant from the basket, or every variant of it without one."""
    basket = await get_basket(session, owner, lock=True)
    query = select(BasketItem).where(
        BasketItem.basket_id == basket.id, BasketItem.product_id == product_id
    )
    if variant_id is not None:
        query = query.where(BasketItem.variant_id == variant_id)
    items = list(await session.scalars(query))
    if not items:
        raise NotFound(f"Product {product_id} is not in your basket.")
    await close_checkout(session, basket)
    for item in items:
        await session.delete(item)
    basket.updated_at = utcnow()
    await session.flush()


async def apply_promo(session: AsyncSession, owner: Owner, code: str) -> None:
    basket = await get_basket(session, owner, lock=True)
    coupon = await coupons.find_coupon_by_code(session, code.strip())
    if coupon is None:
        raise Unprocessable(f"Promo code “{code.strip()}” does not exist.")
    await coupons.validate_coupon_for(session, coupon, customer_of(owner))
    if basket.coupon_id == coupon.id:
        return
    await close_checkout(session, basket)
    basket.coupon_id = coupon.id
    basket.updated_at = utcnow()
    await session.flush()


async def remove_promo(session: AsyncSession, owner: Owner) -> None:
    basket = await get_basket(session, owner, lock=True)
    if basket.coupon_id is None:
        return
    await close_checkout(session, basket)
    basket.coupon_id = None
    basket.updated_at = utcnow()
    await session.flush()


@dataclass(frozen=True)
class Merged:
    """What a merge brought over: how many lines, and one message per thing that did not
    come across as it was."""

    lines: int = 0
    notes: list[str] = field(default_factory=list)


async def merge_guest_basket(session: AsyncSession, guest: Guest, user: Account) -> Merged:
    """Move a guest's basket into the account's after login or registration, and delete it.

    Quantities of a product in both add up, capped by the stock available; products no
    longer for sale stay behind; the guest's promo code is kept if the account has none and
    may use it."""
    guest_basket = await find_basket(session, guest, lock=True)
    if guest_basket is None:
        return Merged()
    incoming = await basket_lines(session, guest_basket, with_images=False)
    notes: list[str] = []
    basket = await get_basket(session, user, lock=True)
    if incoming or guest_basket.coupon_id is not None:
        # Retire the account's open Checkout Session, if any, before its contents change.
        await close_checkout(session, basket)
    mine = {
        item.variant_id: item
        for item in await session.scalars(
            select(BasketItem).where(BasketItem.basket_id == basket.id)
        )
    }
    sold = await sold_variants(session, [(line.product, line.variant) for line in incoming])
    for line, product in zip(incoming, sold, strict=True):
        if not product.is_active:
            notes.append(f"“{product.name}” is no longer for sale.")
            continue
        current = mine.get(line.variant_id)
        have = current.quantity if current is not None else 0
        available = await available_stock(session, basket, line.variant)
        wanted = have + line.quantity
        if wanted > available:
            notes.append(_capped(product.name, available))
        quantity = min(wanted, available)
        if quantity <= have:
            continue
        if current is None:
            session.add(
                BasketItem(
                    basket_id=basket.id,
                    product_id=line.product_id,
                    variant_id=line.variant_id,
                    quantity=quantity,
                    added_at=line.added_at,
                )
            )
        else:
            current.quantity = quantity
    notes += await _adopt_coupon(session, guest_basket, basket, user)
    await session.delete(guest_basket)
    basket.updated_at = utcnow()
    await session.flush()
    log.info("guest_basket_merged", basket_id=basket.id, lines=len(incoming), notes=len(notes))
    return Merged(len(incoming), notes)


def _capped(name: str, available: int) -> str:
    if available <= 0:
        return _out_of_stock(name, available)
    return f"Only {available} of “{name}” left in stock; your basket now has {available}."


async def _adopt_coupon(
    session: AsyncSession, guest_basket: Basket, basket: Basket, user: Account
) -> list[str]:
    if guest_basket.coupon_id is None or basket.coupon_id is not None:
        return []
    coupon = await basket_coupon(session, guest_basket)
    if coupon is None:
        return []
    try:
        await coupons.validate_coupon_for(session, coupon, user)
    except VitrinaError as exc:
        return [str(exc.detail)]
    basket.coupon_id = coupon.id
    return []


_baskets = cast(Table, Basket.__table__)
_basket_items = cast(Table, BasketItem.__table__)
_FORGET_CODE = (
    update(_baskets)
    .where(_baskets.c.id == bindparam("basket_id"), _baskets.c.unique_code == bindparam("code"))
    .values(unique_code=None, session_id=None, coupon_id=None, updated_at=bindparam("now"))
    .returning(_baskets.c.id)
)
_EMPTY = delete(_basket_items).where(_basket_items.c.basket_id == bindparam("basket_id"))
_forgotten = _FORGET_CODE.cte("forgotten")
_EMPTY_PAID = select(_forgotten.c.id).add_cte(
    delete(_basket_items)
    .where(_basket_items.c.basket_id.in_(select(_forgotten.c.id)))
    .cte("emptied")
)
"""PostgreSQL: both in one statement; the UPDATE locks the basket row as `FOR UPDATE` did."""


async def empty_paid_basket(session: AsyncSession, basket_id: int, code: str) -> bool:
    """An order was made from the basket while it still carries `code`: empty it and forget
    its code, session and coupon (False, and nothing changed, if it has moved on since)."""
    values = {"basket_id": basket_id, "code": code, "now": utcnow()}
    if session.get_bind().dialect.name == "postgresql":
        emptied = bool(await run(session, _EMPTY_PAID, values))
    else:
        emptied = bool(await run(session, _FORGET_CODE, values))
        if emptied:
            await run(session, _EMPTY, values)
    if emptied:  # a Basket this session holds (the success page's) is read again if used
        for held in list(session.identity_map.values()):
            if isinstance(held, Basket) and held.id == basket_id:
                session.expire(held)
    return emptied


async def basket_item_count(session: AsyncSession, owner: Owner) -> int:
    """How many units the owner's basket holds (0 without a basket): one aggregate, no rows
    loaded and no basket created, so a page header can show it on every page."""
    total = await session.scalar(
        select(func.coalesce(func.sum(BasketItem.quantity), 0))
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(_owned_by(owner))
    )
    return int(total or 0)


async def purge_guest_baskets(session: AsyncSession, untouched_for: timedelta) -> int:
    """Delete guests' baskets not changed for `untouched_for` (their cookies have expired)."""
    result = await session.execute(
        delete(Basket)
        .where(Basket.guest_key.is_not(None), Basket.updated_at < utcnow() - untouched_for)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


__all__ = [
    "Guest",
    "Merged",
    "Owner",
    "apply_promo",
    "available_stock",
    "basket_item_count",
    "basket_lines",
    "chosen_variant",
    "close_checkout",
    "customer_of",
    "empty_paid_basket",
    "find_basket",
    "get_basket",
    "lines_and_held",
    "merge_guest_basket",
    "new_unique_code",
    "purge_expired_reservations",
    "purge_guest_baskets",
    "release_reservations",
    "remove_item",
    "remove_promo",
    "set_quantity",
]
