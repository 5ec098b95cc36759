"""Bring a Stripe Coupon and its Promotion Code to a discount coupon's state in the store.

Percent (or amount, in every currency) and expiry are immutable in Stripe, so the Stripe
coupon id carries a fingerprint of them (`vitrina_coupon_<id>_<hash8>`): new terms mean a new
coupon, and the old one is deleted once its codes are deactivated. The promotion code carries
the customer-facing `number`. An amount-off coupon is `amount_off` in the store's currency
plus `currency_options` with its amount in every other enabled currency, so a changed amount
or a changed rate is a new coupon too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import stripe

from vitrina.kit.clock import utcnow
from vitrina.payments.sync.ids import (
    COUPON_PREFIX,
    amount_coupon_stripe_id,
    coupon_stripe_id,
    redeem_by,
)
from vitrina.payments.sync.stripe_io import Delivery, already_exists, is_missing

NAME_LENGTH = 40


class CodeTaken(Exception):
    """The code is held by an active promotion code the store did not make."""


@dataclass(frozen=True)
class CouponTarget:
    local_id: int
    number: str
    discount: Decimal | None
    end_at: int
    active: bool = True
    deleted: bool = False
    amount_off: int | None = None
    """Amount-off coupons: minor units of `currency` (the store's)."""
    currency: str = ""
    currency_options: tuple[tuple[str, int], ...] = ()
    """Amount-off coupons: (currency, amount) for every other enabled currency."""

    @property
    def stripe_id(self) -> str:
        if self.amount_off is not None:
            return amount_coupon_stripe_id(
                self.local_id, self.currency, self.amount_off, self.currency_options, self.end_at
            )
        assert self.discount is not None
        return coupon_stripe_id(self.local_id, self.discount, self.end_at)

    def terms(self) -> str:
        """The discount as Stripe should hold it, for drift reports: "10.00 %" or
        "500 usd; eur 460, jpy 750"."""
        if self.amount_off is None:
            return f"{self.discount} %"
        others = ", ".join(f"{code} {amount}" for code, amount in self.currency_options)
        return f"{self.amount_off} {self.currency}" + (f"; {others}" if others else "")

    def expired(self, now: datetime) -> bool:
        return self.end_at <= int(now.timestamp())


@dataclass(frozen=True)
class CouponResult:
    stripe_id: str | None
    promotion_code_id: str | None


def coupon_params(target: CouponTarget, now: datetime) -> stripe.params.CouponCreateParams:
    metadata = {"vitrina_coupon_id": str(target.local_id)}
    params: stripe.params.CouponCreateParams = {
        "id": target.stripe_id,
        "duration": "once",
        "redeem_by": redeem_by(target.end_at, now),
        "name": target.number[:NAME_LENGTH],
        "metadata": metadata,
    }
    if target.amount_off is None:
        params["percent_off"] = float(target.discount or 0)
        metadata["discount"] = str(target.discount)
        metadata["end_at"] = str(target.end_at)
        return params
    params["amount_off"] = target.amount_off
    params["currency"] = target.currency
    metadata["amount_off"] = str(target.amount_off)
    metadata["end_at"] = str(target.end_at)
    if target.currency_options:
        params["currency_options"] = {
            code: {"amount_off": amount} for code, amount in target.currency_options
        }
    return params


def stripe_terms(coupon: stripe.Coupon, options: dict[str, int]) -> str:
    """What a Stripe coupon holds, in `CouponTarget.terms()`'s words."""
    if coupon.amount_off is None:
        return f"{Decimal(str(coupon.percent_off)).quantize(Decimal('0.01'))} %"
    others = ", ".join(f"{code} {amount}" for code, amount in sorted(options.items()))
    return f"{coupon.amount_off} {coupon.currency}" + (f"; {others}" if others else "")


async def fetch_coupon(delivery: Delivery, stripe_id: str) -> stripe.Coupon | None:
    delivery.guard()
    try:
        return await delivery.client.v1.coupons.retrieve_async(stripe_id)
    except stripe.InvalidRequestError as error:
        if is_missing(error):
            return None
        raise


async def create_coupon(delivery: Delivery, target: CouponTarget) -> stripe.Coupon:
    """The Stripe coupon for the target's terms, created if missing (never twice)."""
    found = await fetch_coupon(delivery, target.stripe_id)
    if found is not None:
        return found
    try:
        return await delivery.client.v1.coupons.create_async(
            coupon_params(target, utcnow()), delivery.options("coupon")
        )
    except stripe.InvalidRequestError as error:
        if not already_exists(error):
            raise
    found = await fetch_coupon(delivery, target.stripe_id)
    assert found is not None
    return found


async def _active_codes(
    delivery: Delivery, *, coupon: str | None = None, code: str | None = None
) -> list[stripe.PromotionCode]:
    params: stripe.params.PromotionCodeListParams = {"active": True, "limit": 100}
    if coupon is not None:
        params["coupon"] = coupon
    if code is not None:
        params["code"] = code
    delivery.guard()
    page = await delivery.client.v1.promotion_codes.list_async(params)
    return list(page.data)


def _coupon_of(code: stripe.PromotionCode) -> str | None:
    return code.promotion.coupon if isinstance(code.promotion.coupon, str) else None


async def _deactivate(delivery: Delivery, code: stripe.PromotionCode) -> None:
    await delivery.client.v1.promotion_codes.update_async(
        code.id, {"active": False}, delivery.options(f"deactivate-{code.id}")
    )


async def _delete_coupon(delivery: Delivery, stripe_id: str) -> None:
    delivery.guard()
    try:
        await delivery.client.v1.coupons.delete_async(stripe_id)
    except stripe.InvalidRequestError as error:
        if not is_missing(error):
            raise


async def _create_code(delivery: Delivery, target: CouponTarget) -> stripe.PromotionCode:
    codes = delivery.client.v1.promotion_codes
    delivery.guard()
    inactive = await codes.list_async(
        {"coupon": target.stripe_id, "code": target.number, "active": False, "limit": 1}
    )
    if inactive.data:
        return await codes.update_async(
            inactive.data[0].id, {"active": True}, delivery.options("promo-activate")
        )
    try:
        return await codes.create_async(
            {
                "promotion": {"type": "coupon", "coupon": target.stripe_id},
                "code": target.number,
                "metadata": {"vitrina_coupon_id": str(target.local_id)},
            },
            delivery.options(f"promo-{target.number}"),
        )
    except stripe.InvalidRequestError as error:
        if not already_exists(error):
            raise
        for code in await _active_codes(delivery, code=target.number):
            if _coupon_of(code) == target.stripe_id:
                return code
        raise


async def push_coupon(
    delivery: Delivery, target: CouponTarget, known_ids: Iterable[str | None] = ()
) -> CouponResult:
    """Converge Stripe on the target; `known_ids` are Stripe coupons this row used before."""
    now = utcnow()
    previous = {cid for cid in known_ids if cid and cid != target.stripe_id}
    wanted = not target.deleted and not target.expired(now)
    coupon = await create_coupon(delivery, target) if wanted else None
    keep: stripe.PromotionCode | None = None
    for cid in sorted(previous | {target.stripe_id}):
        for code in await _active_codes(delivery, coupon=cid):
            if (
                keep is None
                and target.active
                and coupon is not None
                and cid == coupon.id
                and code.code == target.number
            ):
                keep = code
            else:
                await _deactivate(delivery, code)
    if target.active and coupon is not None and keep is None:
        for code in await _active_codes(delivery, code=target.number):
            holder = _coupon_of(code) or ""
            # Another coupon of this store holding the code is stale: live codes are unique
            # in the store, so that coupon was deleted or renamed and its own sync, still to
            # come, finds the code already released.
            if not holder.startswith(COUPON_PREFIX):
                raise CodeTaken(
                    f"Stripe already has an active promotion code {code.code!r} "
                    f"for coupon {holder!r}, which this store did not make."
                )
            await _deactivate(delivery, code)
        keep = await _create_code(delivery, target)
    if coupon is not None and coupon.name != target.number[:NAME_LENGTH]:
        await delivery.client.v1.coupons.update_async(
            coupon.id, {"name": target.number[:NAME_LENGTH]}, delivery.options("coupon-name")
        )
    for cid in sorted(previous):
        await _delete_coupon(delivery, cid)
    if target.deleted:
        await _delete_coupon(delivery, target.stripe_id)
    return CouponResult(
        coupon.id if coupon is not None else None, keep.id if keep is not None else None
    )
