"""Drift between the store and Stripe: find it, and repair it.

Compared only for rows the store believes synced (pending rows are the worker's business):
products (missing, stale name/price/active, and for a product with options a variant whose
Price is missing, at another amount or lookup key, or still active when the variant is not
sold), coupons (missing, stale percent, stale amount: an amount-off coupon whose amount or
amount in another currency (`currency_options`, hand-set or converted at today's rate) is
not what Stripe holds, promotion codes not matching `number` and the active flag), and
orphans: objects with the store's id prefix that the store no longer has (or no longer
wants), unless a pending tombstone is about to archive them. Repair re-marks rows for sync
(a version bump, so fresh idempotency keys) and archives or deletes orphans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.coupons.models import DiscountCoupon
from vitrina.kit.clock import utcnow
from vitrina.payments.sync.coupons import CouponTarget, stripe_terms
from vitrina.payments.sync.currency_options import EnabledRate, enabled_rates
from vitrina.payments.sync.ids import (
    COUPON_PREFIX,
    PRODUCT_PREFIX,
    coupon_local_id,
    product_local_id,
)
from vitrina.payments.sync.models import StripeTombstone
from vitrina.payments.sync.stripe_io import Delivery
from vitrina.payments.sync.targets import coupon_target, product_target, variant_targets
from vitrina.payments.sync.variant_prices import VariantTarget, variant_of


@dataclass(frozen=True)
class Drift:
    kind: str
    local_id: int | None
    stripe_id: str
    problem: str
    store: str = ""
    stripe: str = ""

    @property
    def orphan(self) -> bool:
        return self.problem == "orphan"


@dataclass
class StripeView:
    products: dict[str, stripe.Product]
    prices: dict[str, stripe.Price]
    coupons: dict[str, stripe.Coupon]
    codes: list[stripe.PromotionCode]

    def active_codes(self, coupon_id: str) -> list[str]:
        return sorted(c.code for c in self.codes if c.active and c.promotion.coupon == coupon_id)


async def load_stripe(client: stripe.StripeClient) -> StripeView:
    """Everything the store's prefixes name in Stripe (paged through)."""
    v1 = client.v1
    products = {
        p.id: p
        async for p in (await v1.products.list_async({"limit": 100})).auto_paging_iter()
        if p.id.startswith(PRODUCT_PREFIX)
    }
    prices = {
        p.id: p
        async for p in (await v1.prices.list_async({"limit": 100})).auto_paging_iter()
        if isinstance(p.product, str) and p.product in products
    }
    coupons = {
        c.id: c
        async for c in (
            await v1.coupons.list_async({"limit": 100, "expand": ["data.currency_options"]})
        ).auto_paging_iter()
        if c.id.startswith(COUPON_PREFIX)
    }
    codes = [
        c
        async for c in (
            await v1.promotion_codes.list_async({"active": True, "limit": 100})
        ).auto_paging_iter()
        if isinstance(c.promotion.coupon, str) and c.promotion.coupon.startswith(COUPON_PREFIX)
    ]
    return StripeView(products, prices, coupons, codes)


def _product_drift(product: Product, view: StripeView) -> list[Drift]:
    target = product_target(product)
    remote = view.products.get(target.stripe_id)
    if remote is None:
        return [Drift("product", product.id, target.stripe_id, "missing")]
    found: list[Drift] = []

    def stale(what: str, store: object, there: object) -> None:
        found.append(Drift("product", product.id, target.stripe_id, what, str(store), str(there)))

    if remote.name != target.name:
        stale("stale name", target.name, remote.name)
    if remote.active != target.active:
        stale("stale active", target.active, remote.active)
    price_id = remote.default_price if isinstance(remote.default_price, str) else None
    price = view.prices.get(price_id or "")
    shown = f"{price.unit_amount} {price.currency}" if price is not None else "none"
    if price is None or (price.unit_amount, price.currency) != (target.price, target.currency):
        stale("stale price", f"{target.price} {target.currency}", shown)
    return found


def _variant_drift(
    product: Product, variants: tuple[VariantTarget, ...], view: StripeView
) -> list[Drift]:
    """Each active variant sold at exactly one active Price, of its amount and lookup key;
    no active Price for a variant that is inactive or gone."""
    stripe_id = product_target(product).stripe_id
    currency = product.currency.lower()
    active: dict[int, list[stripe.Price]] = {}
    for price in view.prices.values():
        variant_id = variant_of(price)
        if price.product == stripe_id and price.active and variant_id is not None:
            active.setdefault(variant_id, []).append(price)
    found: list[Drift] = []
    for variant in variants:
        prices = active.pop(variant.variant_id, [])
        wanted = f"{variant.lookup_key} {variant.price} {currency}" if variant.active else "none"
        shown = ", ".join(f"{p.lookup_key} {p.unit_amount} {p.currency}" for p in prices)
        if wanted != (shown or "none"):
            found.append(
                Drift("product", product.id, stripe_id, "stale variant price", wanted, shown)
            )
    for variant_id, prices in active.items():
        shown = ", ".join(f"{p.lookup_key} {p.unit_amount} {p.currency}" for p in prices)
        found.append(
            Drift(
                "product",
                product.id,
                stripe_id,
                "stale variant price",
                f"none ({variant_id})",
                shown,
            )
        )
    return found


def _amount_options(coupon: stripe.Coupon) -> dict[str, int]:
    options = getattr(coupon, "currency_options", None)
    found: dict[str, Any] = options.to_dict() if options else {}
    return {code: int(option["amount_off"]) for code, option in found.items()}


def _stale_terms(target: CouponTarget, remote: stripe.Coupon) -> bool:
    if target.amount_off is None:
        return remote.percent_off != float(target.discount or 0)
    return (remote.amount_off, remote.currency, _amount_options(remote)) != (
        target.amount_off,
        target.currency,
        dict(target.currency_options),
    )


def _coupon_drift(
    coupon: DiscountCoupon, view: StripeView, rates: Sequence[EnabledRate]
) -> list[Drift]:
    target = coupon_target(coupon, rates)
    if target.deleted or target.expired(utcnow()):
        return []
    remote = view.coupons.get(target.stripe_id)
    recorded = view.coupons.get(coupon.stripe_id or "")
    if remote is None and target.amount_off is not None and recorded is not None:
        # The amounts changed (by hand or by a rate) and Stripe still holds the old coupon.
        there = stripe_terms(recorded, _amount_options(recorded))
        return [Drift("coupon", coupon.id, recorded.id, "stale amount", target.terms(), there)]
    if remote is None:
        return [Drift("coupon", coupon.id, target.stripe_id, "missing")]
    found: list[Drift] = []
    if _stale_terms(target, remote):
        problem = "stale amount" if target.amount_off is not None else "stale discount"
        there = stripe_terms(remote, _amount_options(remote))
        found.append(Drift("coupon", coupon.id, remote.id, problem, target.terms(), there))
    wanted = [target.number] if target.active else []
    codes = view.active_codes(remote.id)
    if codes != wanted:
        found.append(
            Drift("coupon", coupon.id, remote.id, "stale code", ",".join(wanted), ",".join(codes))
        )
    return found


async def find_drift(session: AsyncSession, view: StripeView) -> list[Drift]:
    drift: list[Drift] = []
    products = {p.id: p for p in await session.scalars(select(Product))}
    for product in products.values():
        if product.synced_version >= product.sync_version:
            found = _product_drift(product, view)
            variants = await variant_targets(session, product)
            if variants is not None and not any(d.problem == "missing" for d in found):
                found.extend(_variant_drift(product, variants, view))
            drift.extend(found)
    being_archived = set(
        await session.scalars(
            select(StripeTombstone.stripe_id).where(StripeTombstone.done_at.is_(None))
        )
    )
    for remote in view.products.values():
        local = products.get(product_local_id(remote.id) or 0)
        if local is None and remote.active and remote.id not in being_archived:
            drift.append(Drift("product", None, remote.id, "orphan", "", remote.name))
    coupons = {c.id: c for c in await session.scalars(select(DiscountCoupon))}
    rates = await enabled_rates(session)
    wanted_coupons: set[str] = set()
    for coupon in coupons.values():
        target = coupon_target(coupon, rates)
        if not target.deleted:
            wanted_coupons.add(target.stripe_id)
        if coupon.synced_version >= coupon.sync_version:
            found_for_coupon = _coupon_drift(coupon, view, rates)
            # A stale amount coupon is replaced by the row's next delivery, not as an orphan.
            wanted_coupons.update(d.stripe_id for d in found_for_coupon)
            drift.extend(found_for_coupon)
    for remote_coupon in view.coupons.values():
        local_id = coupon_local_id(remote_coupon.id)
        pending = local_id in coupons and coupons[local_id].sync_state != "synced"
        if remote_coupon.id not in wanted_coupons and not pending:
            codes = ",".join(view.active_codes(remote_coupon.id))
            drift.append(Drift("coupon", local_id, remote_coupon.id, "orphan", "", codes))
    return drift


async def repair(session: AsyncSession, client: stripe.StripeClient, drift: list[Drift]) -> int:
    """Re-mark drifted rows for sync (the caller commits) and retire orphans now."""
    delivery = Delivery(client, "vitrina:repair")
    marked: set[tuple[str, int]] = set()
    for item in drift:
        if item.orphan:
            await _retire_orphan(delivery, item)
        elif item.local_id is not None and (item.kind, item.local_id) not in marked:
            model: type[Product] | type[DiscountCoupon] = (
                Product if item.kind == "product" else DiscountCoupon
            )
            row: Product | DiscountCoupon | None = await session.get(
                model, item.local_id, with_for_update=True, populate_existing=True
            )
            if row is not None:
                row.mark_for_sync()
                marked.add((item.kind, item.local_id))
    await session.flush()
    return len(marked)


async def _retire_orphan(delivery: Delivery, item: Drift) -> None:
    v1 = delivery.client.v1
    if item.kind == "product":
        delivery.guard()
        await v1.products.update_async(item.stripe_id, {"active": False})
        return
    delivery.guard()
    codes = await v1.promotion_codes.list_async(
        {"coupon": item.stripe_id, "active": True, "limit": 100}
    )
    for code in codes.data:
        delivery.guard()
        await v1.promotion_codes.update_async(code.id, {"active": False})
    delivery.guard()
    try:
        await v1.coupons.delete_async(item.stripe_id)
    except stripe.InvalidRequestError as error:
        if error.http_status != 404:
            raise
