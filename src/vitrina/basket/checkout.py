"""`POST /checkout`: validate the basket, reserve its stock, open one Stripe Checkout Session.

Transaction design (chosen deliberately). Everything happens in the request's one
transaction: lock the basket row, then the rows of the variants it holds (`_lock_variants`:
`SELECT ... FOR UPDATE` in id order, so lockers never deadlock), then the coupon row
(variants before the coupon: the order fulfilment takes them in that order too); sum the
unexpired reservations;
create the Checkout Session in Stripe; insert the `CheckoutSession` row and its
`StockReservation` rows; flush. The reservation rows are written right after
Stripe answers rather than before, because their key is Stripe's session id; the variant
locks make that equivalent: no other checkout can read those variants' availability until
this transaction ends. If Stripe fails, the exception rolls the transaction back and nothing
(no reservation, no row, no new code) is left behind: there is nothing to clean up and no
window in which a crashed process leaks stock.

The price is that the variant rows stay locked for the duration of one Stripe call, so
checkouts of the SAME variant are serialised behind Stripe's latency (bounded by
`stripe_timeout_seconds` x (1 + `stripe_max_network_retries`)); checkouts of different variants
(a product's sizes too) run in parallel, and basket edits and reads never wait on those
locks. The alternative (reserve in a first short transaction, call Stripe outside any lock,
release on failure) frees the rows sooner but needs a placeholder session key, a second
commit inside the service, and a sweeper for reservations orphaned by a crash between the
two; for a small store's traffic the simpler all-or-nothing transaction is the better trade.

Idempotency: the key is `vitrina:checkout:<basket_id>:<unique_code>` and `expires_at` is
rounded to the minute, so a retry of a call whose answer was lost (dropped connection, timeout)
gets the same session back. When Stripe replays a stored failure for the key or refuses the key
(other parameters), the basket gets a fresh code and the call is made once more.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import stripe
import structlog
from sqlalchemy import (
    Integer,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import cast as cast_as
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from vitrina.accounts import addresses
from vitrina.accounts.models import ShippingAddress, User
from vitrina.basket.codes import new_unique_code
from vitrina.basket.guest import Guest
from vitrina.basket.in_currency import reprice
from vitrina.basket.models import (
    Basket,
    BasketItem,
    CheckoutSession,
    CheckoutStatus,
    StockReservation,
)
from vitrina.basket.pricing import Quote, quote
from vitrina.basket.reservations import reserved_quantities
from vitrina.basket.rows import (
    OptionValueRow,
    ProductRow,
    VariantRow,
    option_value_of,
    product_of,
    variant_of,
)
from vitrina.basket.service import (
    basket_coupon,
    close_checkout,
    expire_in_stripe,
    get_basket,
)
from vitrina.basket.sold import Sold, sold_variants
from vitrina.catalog.models import Product, ProductOptionValue, ProductVariant, VariantOptionValue
from vitrina.config import Settings
from vitrina.coupons import service as coupons
from vitrina.coupons.models import CouponRedemption, DiscountCoupon
from vitrina.currencies.pricing import Pricing
from vitrina.currencies.service import pricing_for
from vitrina.db import UTCDateTime
from vitrina.errors import Conflict, ServiceUnavailable, Unprocessable
from vitrina.kit.clock import utcnow
from vitrina.payments import customers, sync
from vitrina.payments.checkout_session import (
    StripeSession,
    added_tax,
    session_expiry,
    shipping_rate_ids,
    stripe_error,
    was_replayed,
)
from vitrina.payments.client import make_stripe_client
from vitrina.payments.tax_rates import ensure_tax_rates_in_stripe
from vitrina.reads import among, has_pending_changes, run
from vitrina.shipping import service as shipping_service
from vitrina.shipping.service import ShippingPlan
from vitrina.taxes import service as taxes
from vitrina.taxes.service import TaxSetup

log = structlog.get_logger(__name__)

REUSE_MARGIN = timedelta(minutes=2)
"""An open session closer than this to its expiry is replaced rather than handed out."""

RESERVATION_GRACE = timedelta(minutes=5)
"""Stock stays held this long after the session's own `expires_at`: a payment finished in
the session's last second may reach fulfilment (webhook or success page) a little later, and
its stock must still be there. `checkout.session.expired` releases it sooner."""


_items = cast(Table, BasketItem.__table__)
_products = cast(Table, Product.__table__)
_variants = cast(Table, ProductVariant.__table__)
_option_values = cast(Table, ProductOptionValue.__table__)
_variant_values = cast(Table, VariantOptionValue.__table__)
_reservations = cast(Table, StockReservation.__table__)


@dataclass(frozen=True, slots=True)
class _Statements:
    """The checkout's reads of the basket's lines and of their variants under lock, built
    once per kind of database: the statements the ORM sent (every column of the lines, of
    their products and variants, the variants' option values), as plain rows."""

    products: Any
    variants: Any
    values: Any
    locked: Any

    @classmethod
    def build(cls, postgres: bool) -> _Statements:
        variants = select(*_variants.columns).where(among(_variants.c.id, postgres))
        locked = variants.order_by(_variants.c.id)
        return cls(
            products=select(*_products.columns).where(among(_products.c.id, postgres)),
            variants=variants,
            values=(
                select(_variant_values.c.variant_id, *_option_values.columns)
                .join_from(
                    _variant_values,
                    _option_values,
                    _option_values.c.id == _variant_values.c.value_id,
                )
                .where(among(_variant_values.c.variant_id, postgres))
                .order_by(_option_values.c.option_id)
            ),
            locked=locked.with_for_update(of=_variants) if postgres else locked,
        )


_LINES = (
    select(*_items.columns)
    .where(_items.c.basket_id == bindparam("basket_id"))
    .order_by(_items.c.id)
)
_POSTGRES = _Statements.build(postgres=True)
_PORTABLE = _Statements.build(postgres=False)


def _statements(session: AsyncSession) -> _Statements:
    return _POSTGRES if session.get_bind().dialect.name == "postgresql" else _PORTABLE


@dataclass(frozen=True, slots=True)
class _Line:
    """A basket line with its product and variant (its option values), as plain rows."""

    product: ProductRow
    variant: VariantRow
    quantity: int

    @property
    def variant_id(self) -> int:
        return self.variant.id


@dataclass(frozen=True, slots=True)
class _Taxed:
    """What taxes read of a line's goods (`taxes.service.Taxable`)."""

    tax_class: str
    price: int
    currency: str


async def _variant_rows(
    session: AsyncSession, statement: Any, values_of: Any, ids: list[int]
) -> dict[int, VariantRow]:
    """The variants among `ids` (`statement`), each with its option values (`values_of`,
    read whether or not any has some, as the ORM's loader did)."""
    rows = await run(session, statement, {"ids": ids})
    values: dict[int, list[OptionValueRow]] = {}
    for row in await run(session, values_of, {"ids": ids}):
        values.setdefault(row["variant_id"], []).append(option_value_of(row))
    return {row["id"]: variant_of(row, values.get(row["id"], ())) for row in rows}


async def _basket_lines(session: AsyncSession, basket_id: int) -> list[_Line]:
    """The basket's lines in order with their products and variants: four statements, as
    `selectinload` sent them (none but the first for an empty basket)."""
    rows = await run(session, _LINES, {"basket_id": basket_id})
    if not rows:
        return []
    statements = _statements(session)
    product_ids = sorted({row["product_id"] for row in rows})
    products = {
        row["id"]: product_of(row)
        for row in await run(session, statements.products, {"ids": product_ids})
    }
    variant_ids = sorted({row["variant_id"] for row in rows})
    variants = await _variant_rows(session, statements.variants, statements.values, variant_ids)
    return [
        _Line(products[row["product_id"]], variants[row["variant_id"]], row["quantity"])
        for row in rows
    ]


async def _lock_variants(session: AsyncSession, ids: Iterable[int]) -> dict[int, VariantRow]:
    """The variants among `ids` with their option values, their rows taken in id order for
    the rest of the transaction (`FOR UPDATE` on PostgreSQL; SQLite serialises writers
    itself): what `variants.get_variants_by_ids(lock=True)` read, as plain rows."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    statements = _statements(session)
    return await _variant_rows(session, statements.locked, statements.values, wanted)


def _unchanged(checkout: CheckoutSession, priced: Quote) -> bool:
    return (
        checkout.items == priced.items_snapshot()
        and checkout.coupon_id == priced.coupon_id
        and checkout.amount_total == priced.total
        and checkout.currency == priced.currency
    )


Buyer = User | Guest
"""Who opens a checkout: a customer, as the whole `User` (its Stripe Customer is made or
brought up to date), or a guest."""


async def start_checkout(
    session: AsyncSession,
    owner: Buyer,
    settings: Settings,
    language: str | None = None,
    country: str | None = None,
    currency: str | None = None,
) -> CheckoutSession:
    """The basket's open Checkout Session: the current one if the basket is unchanged, else
    a new one with its stock reserved, its page and product names in `language` (the
    shopper's), shipping to `country` (else the account's address's, else the first zone's).
    Raises 409/422 for a basket that cannot be bought or shipped there. A guest's (`Guest`)
    session has no customer: Stripe's page asks for the email. Priced and charged in
    `currency` (the shopper's; None: the store's), 422 for one the store does not sell in."""
    user = None if isinstance(owner, Guest) else owner
    basket = await get_basket(session, owner, lock=True)
    items = await _basket_lines(session, basket.id)
    if not items:
        raise Unprocessable("Your basket is empty.")
    coupon = await basket_coupon(session, basket)
    pricing = await pricing_for(session, settings, currency, [i.variant_id for i in items])
    # The account's default address, read once: it decides the country when none was chosen
    # and is what the Stripe Customer carries.
    address: ShippingAddress | None = None
    if user is not None and not country:
        address = await addresses.default_address(session, user.id)
    default = address.country if address is not None else None
    where = shipping_service.country_to(country, default)  # as `shopper_country`
    shipping_plan = await _shipping_plan(session, settings, where, items, coupon, pricing)
    reusable = await _reusable_checkout(
        session, basket, items, coupon, language, shipping_plan, pricing
    )
    if reusable is not None:
        return reusable
    await close_checkout(session, basket)
    stripe_coupon_id: str | None = None
    if coupon is not None:
        await coupons.validate_coupon_for(session, coupon, user)
        stripe_coupon_id = await sync.ensure_coupon_in_stripe(session, coupon)
    # The address the account's Stripe Customer carries, read before the products are locked.
    if user is not None and country:
        address = await addresses.default_address(session, user.id)
    shipping = addresses.stripe_shipping(address) if address is not None else None
    account: _Account | None = None
    if user is not None:
        # Made or brought up to date before the products are locked, so that no other
        # checkout of these products waits on this call too (only on the session's).
        account = await _ensure_customer(session, user, shipping, settings)
    shipping_plan, tax_setup = await _tax_setup(session, settings, shipping_plan, items, shipping)
    lines = await _lock_and_check_stock(session, items, settings)
    reprice([sold for sold, _ in lines], pricing)
    if coupon is not None:
        coupon = await _lock_coupon(session, coupon.id)
        await coupons.validate_coupon_for(session, coupon, user)
        await _check_coupon_holds(session, coupon, user)
    priced = quote(
        lines,
        coupon,
        pricing=pricing,
        shipping_amount=shipping_plan.first_amount,
        language=language,
    )
    if problem := priced.charge_problem():
        raise Unprocessable(problem)
    expires_at = session_expiry(settings)
    created = await _create_in_stripe(
        basket, account, lines, stripe_coupon_id, expires_at, settings, language, shipping,
        shipping_plan, tax_setup,
    )  # fmt: skip
    if (created.amount_total or 0) - added_tax(created) != priced.total:
        log.error(
            "checkout_total_mismatch",
            session_id=created.id,
            store_total=priced.total,
            stripe_total=created.amount_total,
        )
        await expire_in_stripe(created.id)
        raise ServiceUnavailable(
            "The payment provider computed a different total for your basket, so checkout was "
            "stopped before any payment. Please try again; we have been notified."
        )
    return await _record(
        session, basket, user, created, priced, expires_at, language, shipping_plan
    )


async def _shipping_plan(
    session: AsyncSession,
    settings: Settings,
    where: str | None,
    items: list[_Line],
    coupon: DiscountCoupon | None,
    pricing: Pricing,
) -> ShippingPlan:
    """The shipping options for the basket in the shopper's currency (422 for what cannot
    be shipped there)."""
    sold = await sold_variants(session, [(i.product, i.variant) for i in items])
    reprice(sold, pricing)
    lines = [(s, i.quantity) for s, i in zip(sold, items, strict=True)]
    goods = quote(lines, coupon, pricing=pricing, shipping_amount=0).total
    return await shipping_service.plan_for(session, settings, where, lines, goods, pricing.amount)


async def _tax_setup(
    session: AsyncSession,
    settings: Settings,
    plan: ShippingPlan,
    items: list[_Line],
    address: dict[str, Any] | None,
) -> tuple[ShippingPlan, TaxSetup]:
    """The taxes for the checkout. Manual rates are a country's, so Stripe's page then takes
    addresses in that one country (the one chosen, else the first the plan allows)."""
    # Tax classes are the products' (all variants alike).
    products = [_Taxed(i.product.tax_class, i.variant.price, i.product.currency) for i in items]
    if settings.tax_mode != "manual":
        return plan, await taxes.checkout_taxes(session, settings, plan.country, products)
    country = plan.country or plan.allowed_countries[0]
    where = (address or {}).get("address") or {}
    region = where.get("state") if where.get("country") == country else None
    setup = await taxes.checkout_taxes(session, settings, country, products, region)
    await ensure_tax_rates_in_stripe(setup.rates, setup.behavior == "inclusive")
    return plan.only_to(country), setup


async def _reusable_checkout(
    session: AsyncSession,
    basket: Basket,
    items: list[_Line],
    coupon: DiscountCoupon | None,
    language: str | None,
    shipping_plan: ShippingPlan,
    pricing: Pricing,
) -> CheckoutSession | None:
    if basket.session_id is None:
        return None
    checkout = await session.get(CheckoutSession, basket.session_id)
    if checkout is None or checkout.status != CheckoutStatus.OPEN:
        return None
    if checkout.expires_at <= utcnow() + REUSE_MARGIN:
        return None
    sold = await sold_variants(session, [(i.product, i.variant) for i in items])
    reprice(sold, pricing)
    priced = quote(
        [(p, i.quantity) for p, i in zip(sold, items, strict=True)],
        coupon,
        pricing=pricing,
        shipping_amount=shipping_plan.first_amount,
        language=language,
    )
    same_shipping = shipping_plan.same_offer(checkout.shipping_country, checkout.shipping_options)
    return checkout if _unchanged(checkout, priced) and same_shipping else None


async def _lock_coupon(session: AsyncSession, coupon_id: int) -> DiscountCoupon:
    query = select(DiscountCoupon).where(DiscountCoupon.id == coupon_id)
    coupon = await session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if coupon is None:
        raise Unprocessable("The promo code on your basket no longer exists; remove it.")
    return coupon


async def _check_coupon_holds(
    session: AsyncSession, coupon: DiscountCoupon, user: User | None
) -> None:
    """Open Checkout Sessions count as redemptions in waiting, so that concurrent checkouts
    cannot promise more redemptions than the coupon allows (the coupon row is locked)."""
    open_with_coupon = (
        select(func.count())
        .select_from(CheckoutSession)
        .where(
            CheckoutSession.coupon_id == coupon.id,
            CheckoutSession.status == CheckoutStatus.OPEN,
            CheckoutSession.expires_at > utcnow(),
        )
    )
    if coupon.max_redemptions is not None:
        held = int(await session.scalar(open_with_coupon) or 0)
        if coupon.times_redeemed + held >= coupon.max_redemptions:
            raise Conflict(f"Promo code {coupon.number} has been used up.")
    if coupon.max_redemptions_per_customer is not None and user is not None:
        redeemed = await session.scalar(
            select(func.count())
            .select_from(CouponRedemption)
            .where(CouponRedemption.coupon_id == coupon.id, CouponRedemption.user_id == user.id)
        )
        mine = await session.scalar(open_with_coupon.where(CheckoutSession.user_id == user.id))
        if int(redeemed or 0) + int(mine or 0) >= coupon.max_redemptions_per_customer:
            raise Conflict(f"You have already used promo code {coupon.number}.")


async def _lock_and_check_stock(
    session: AsyncSession, items: list[_Line], settings: Settings
) -> list[tuple[Sold, int]]:
    """Lock the basket's variants and check each is for sale and in stock; the lines to
    sell, as read under the locks."""
    wanted = {i.variant_id: i.quantity for i in items}
    locked = await _lock_variants(session, wanted)
    reserved = await reserved_quantities(session, wanted)
    sold = await sold_variants(
        session, [(i.product, locked[i.variant_id]) for i in items if i.variant_id in locked]
    )
    by_variant = {s.variant_id: s for s in sold}
    problems: list[str] = []
    for item in items:
        line = by_variant.get(item.variant_id)
        if line is None or not line.is_active:
            name = f"“{line.name}”" if line else f"“{item.product.name}”"
            problems.append(f"{name} is no longer for sale; remove it from your basket.")
            continue
        if line.currency.lower() != settings.store_currency:
            problems.append(f"“{line.name}” cannot be paid in {settings.store_currency}.")
            continue
        available = line.variant.stock - reserved.get(item.variant_id, 0)
        if item.quantity > available:
            problems.append(
                f"“{line.name}” is out of stock."
                if available <= 0
                else f"Only {available} of “{line.name}” left in stock; you have {item.quantity}."
            )
    if problems:
        raise Conflict(" ".join(problems))
    return [(by_variant[i.variant_id], i.quantity) for i in items]


@dataclass(slots=True)
class _Account:
    """What `customers.ensure_customer_async` reads and writes of an account: a plain copy,
    so that remembering the Customer is one prebuilt UPDATE, not an ORM flush."""

    id: int
    email: str
    full_name: str
    locale: str | None
    stripe_customer_id: str | None
    stripe_customer_digest: str | None


_users = cast(Table, User.__table__)
_REMEMBER_CUSTOMER = (
    update(_users)
    .where(_users.c.id == bindparam("user_id"))
    .values(
        stripe_customer_id=bindparam("customer_id"),
        stripe_customer_digest=bindparam("digest"),
        updated_at=bindparam("now"),
    )
)
"""The account's Customer id and digest written, as the ORM's flush of them did."""


async def _ensure_customer(
    session: AsyncSession, user: User, shipping: dict[str, Any] | None, settings: Settings
) -> _Account:
    """The account's Stripe Customer, current (no call when it is): the session made next
    names it, and finds it current. A new id or digest is written at once (the ORM wrote
    it at the next statement's autoflush, the variants' lock: the same order). The copy of
    the account it returns is what the session is made for: `StripeSession` remembers the
    Customer on it again (no change), which on the ORM user was a flush with nothing to
    write."""
    account = _Account(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        locale=user.locale,
        stripe_customer_id=user.stripe_customer_id,
        stripe_customer_digest=user.stripe_customer_digest,
    )
    try:
        await customers.ensure_customer_async(make_stripe_client(settings), account, shipping)
    except stripe.StripeError as exc:
        log.warning("checkout_customer_failed", user_id=user.id, error_type=type(exc).__name__)
        raise stripe_error(exc, action="open the payment page") from exc
    remembered = (account.stripe_customer_id, account.stripe_customer_digest)
    if remembered == (user.stripe_customer_id, user.stripe_customer_digest):
        return account
    now = utcnow()
    values = {"user_id": user.id, "customer_id": remembered[0], "digest": remembered[1]}
    await run(session, _REMEMBER_CUSTOMER, {**values, "now": now})
    set_committed_value(user, "stripe_customer_id", remembered[0])
    set_committed_value(user, "stripe_customer_digest", remembered[1])
    set_committed_value(user, "updated_at", now)
    return account


async def _create_in_stripe(
    basket: Basket,
    user: _Account | None,
    lines: list[tuple[Sold, int]],
    stripe_coupon_id: str | None,
    expires_at: datetime,
    settings: Settings,
    language: str | None = None,
    shipping: dict[str, Any] | None = None,
    shipping_plan: ShippingPlan | None = None,
    tax_setup: TaxSetup | None = None,
) -> stripe.checkout.Session:
    client = make_stripe_client(settings)
    for attempt in (1, 2):
        assert basket.unique_code is not None
        request = StripeSession(
            user=user,
            products=lines,
            unique_code=basket.unique_code,
            promo=stripe_coupon_id,
            basket_id=basket.id,
            expires_at=expires_at,
            client=client,
            settings=settings,
            language=language,
            shipping=shipping,
            shipping_options=shipping_plan.options if shipping_plan else None,
            allowed_countries=shipping_plan.allowed_countries if shipping_plan else None,
            tax_behavior=tax_setup.behavior if tax_setup else None,
            line_tax_rates=tax_setup.stripe_ids() if tax_setup else None,
            automatic_tax=tax_setup.automatic if tax_setup else False,
        )
        try:
            created = await request.get_session_payments_async()
        except stripe.StripeError as exc:
            log.warning(
                "checkout_stripe_failed",
                basket_id=basket.id,
                error_type=type(exc).__name__,
                status=exc.http_status,
            )
            if attempt == 1 and was_replayed(exc):
                basket.unique_code = new_unique_code()
                continue
            raise stripe_error(exc, action="open the payment page") from exc
        if created.status == "open":
            return created
        basket.unique_code = new_unique_code()
    raise ServiceUnavailable("The payment page could not be opened. Please try again.")


async def _record(
    session: AsyncSession,
    basket: Basket,
    user: User | None,
    created: stripe.checkout.Session,
    priced: Quote,
    expires_at: datetime,
    language: str | None,
    shipping_plan: ShippingPlan,
) -> CheckoutSession:
    """The checkout row (its shipping offer in the same INSERT), the basket's link to it and
    its reservations: three statements. On PostgreSQL with nothing else pending they are
    prebuilt Core statements on the request's transaction (the ORM's unit of work cost an
    eighth of a checkout's CPU); otherwise the objects are flushed, as the same three."""
    assert basket.unique_code is not None
    now = utcnow()
    checkout = CheckoutSession(
        id=created.id,
        basket_id=basket.id,
        user_id=user.id if user is not None else None,
        unique_code=basket.unique_code,
        status=CheckoutStatus.OPEN,
        url=created.url,
        currency=priced.currency,
        amount_subtotal=priced.subtotal,
        amount_discount=priced.discount,
        amount_shipping=priced.shipping,
        amount_total=priced.total,
        coupon_id=priced.coupon_id,
        coupon_number=priced.coupon_number,
        items=priced.items_snapshot(),
        expires_at=expires_at,
        language=language,
        shipping_country=shipping_plan.country,
        shipping_options=shipping_plan.offered(shipping_rate_ids(created)),
        created_at=now,
        updated_at=now,
    )
    held_until = expires_at + RESERVATION_GRACE
    if session.get_bind().dialect.name == "postgresql" and not has_pending_changes(session):
        await _insert_prebuilt(session, checkout, priced, held_until, now)
        set_committed_value(basket, "session_id", checkout.id)
        set_committed_value(basket, "updated_at", now)
    else:
        session.add(checkout)
        await session.flush()
        session.add_all(
            StockReservation(
                product_id=line.product_id,
                variant_id=line.variant_id,
                checkout_session_id=checkout.id,
                quantity=line.quantity,
                expires_at=held_until,
                created_at=now,
            )
            for line in priced.lines
        )
        basket.session_id = checkout.id
        await session.flush()
    log.info("checkout_session_opened", session_id=checkout.id, basket_id=basket.id)
    return checkout


_checkouts = cast(Table, CheckoutSession.__table__)
_baskets = cast(Table, Basket.__table__)
_JSON_COLUMNS = ("items", "shipping_options")
_INSERT_CHECKOUT = insert(_checkouts).values(
    {
        column.name: (
            cast_as(bindparam(column.name, type_=Text), JSONB)
            if column.name in _JSON_COLUMNS
            else bindparam(column.name, type_=column.type)
        )
        for column in _checkouts.columns
    }
)
"""Every column set (`updated_at` too, so that no Python default is left to SQLAlchemy);
the JSON columns are sent as their text, which the direct driver path needs."""
_LINK_BASKET = (
    update(_baskets)
    .where(_baskets.c.id == bindparam("basket_id"))
    .values(session_id=bindparam("session_id"), updated_at=bindparam("now"))
)
_RESERVE = insert(_reservations).from_select(
    ["product_id", "variant_id", "checkout_session_id", "quantity", "expires_at", "created_at"],
    select(
        func.unnest(bindparam("product_ids", type_=ARRAY(Integer))),
        func.unnest(bindparam("variant_ids", type_=ARRAY(Integer))),
        bindparam("session_id", type_=String),
        func.unnest(bindparam("quantities", type_=ARRAY(Integer))),
        bindparam("held_until", type_=UTCDateTime),
        bindparam("now", type_=UTCDateTime),
    ),
)
"""Every line's reservation in one statement (PostgreSQL's `unnest`)."""


async def _insert_prebuilt(
    session: AsyncSession,
    checkout: CheckoutSession,
    priced: Quote,
    held_until: datetime,
    now: datetime,
) -> None:
    row = {column.name: getattr(checkout, column.key) for column in _checkouts.columns}
    row["status"] = CheckoutStatus.OPEN.value
    for name in _JSON_COLUMNS:
        row[name] = None if row[name] is None else json.dumps(row[name])
    await run(session, _INSERT_CHECKOUT, row)
    link = {"basket_id": checkout.basket_id, "session_id": checkout.id, "now": now}
    await run(session, _LINK_BASKET, link)
    lines = priced.lines
    reserve = {
        "product_ids": [line.product_id for line in lines],
        "variant_ids": [line.variant_id for line in lines],
        "quantities": [line.quantity for line in lines],
        "session_id": checkout.id,
        "held_until": held_until,
        "now": now,
    }
    await run(session, _RESERVE, reserve)
