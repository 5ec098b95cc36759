"""Shipping for a basket: the zone of the shopper's country, the options it offers, what
Checkout may collect; and the staff's zones and methods.

With no zone in the database the settings make one (`SHIPPING_COUNTRIES` at
`SHIPPING_RATE_AMOUNT`, named `SHIPPING_RATE_NAME`), so a store that never set zones up ships
as it always did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, cast

from pydantic import ValidationError
from sqlalchemy import String, Table, select
from sqlalchemy import cast as sa_cast
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from vitrina.accounts.addresses import default_country
from vitrina.config import Settings
from vitrina.errors import NotFound, Unprocessable
from vitrina.kit.money import as_text
from vitrina.reads import Row, run
from vitrina.shipping.models import MethodKind, ShippingMethod, ShippingZone
from vitrina.shipping.rates import (
    Method,
    Parcel,
    ShippingOption,
    Zone,
    options_for,
    parse_countries,
    zone_for,
)
from vitrina.shipping.schemas import MethodIn, MethodUpdate, ZoneIn, ZoneUpdate


class Shippable(Protocol):
    """What shipping reads of a basket line's goods: a product, or the variant checkout
    sells (its own weight, its product's country limits)."""

    @property
    def name(self) -> str: ...
    @property
    def ships_to(self) -> str | None: ...
    @property
    def weight_grams(self) -> int: ...


@dataclass(frozen=True)
class ShippingPlan:
    """What Checkout gets: the options (cheapest first) and the countries it may ship to."""

    country: str | None
    zone: Zone
    options: list[ShippingOption]
    allowed_countries: list[str]

    @property
    def first_amount(self) -> int:
        """The option Stripe preselects: the amount in the total shown before Checkout."""
        return self.options[0].amount if self.options else 0

    def only_to(self, country: str) -> ShippingPlan:
        """The plan with Stripe's page limited to one country of the zone."""
        return replace(self, country=country, allowed_countries=[country])

    def same_offer(self, country: str | None, offered: Sequence[dict[str, Any]] | None) -> bool:
        """An open checkout recorded with `country` and `offered` offers what this plan does."""
        recorded = [{k: v for k, v in o.items() if k != "rate"} for o in offered or []]
        wanted = [{k: v for k, v in o.snapshot().items() if k != "rate"} for o in self.options]
        return country == self.country and recorded == wanted

    def offered(self, rate_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The options as recorded on the checkout, each with the Stripe rate made for it."""
        ids = list(rate_ids) + [None] * (len(self.options) - len(rate_ids))
        return [option.snapshot(rate) for option, rate in zip(self.options, ids, strict=False)]


def default_zone(settings: Settings) -> Zone:
    method = Method(
        None, settings.shipping_rate_name, MethodKind.FLAT, settings.shipping_rate_amount
    )
    return Zone(None, "Default", parse_countries(settings.shipping_countries), (method,))


_zones = cast(Table, ShippingZone.__table__)
_methods = cast(Table, ShippingMethod.__table__)
_ZONES_IN_FORCE = select(
    _zones.c.id,
    _zones.c.name,
    sa_cast(_zones.c.countries, String).label("countries"),
    _zones.c.is_active,
).order_by(_zones.c.position, _zones.c.id)
_METHODS_IN_FORCE = (
    select(
        _methods.c.zone_id,
        _methods.c.id,
        _methods.c.name,
        _methods.c.kind,
        _methods.c.amount,
        sa_cast(_methods.c.weight_tiers, String).label("weight_tiers"),
        _methods.c.free_over,
        _methods.c.min_days,
        _methods.c.max_days,
        _methods.c.position,
    )
    .where(_methods.c.is_active.is_(True))
    .order_by(_methods.c.position, _methods.c.id)
)
"""Every basket answer reads the zones and their active methods: built once, run as plain
rows (`reads.run`), the JSON columns read as their text."""


def _as_method(row: Row) -> Method:
    tiers = json.loads(row["weight_tiers"]) if row["weight_tiers"] is not None else None
    return Method(
        id=row["id"],
        name=row["name"],
        kind=MethodKind(row["kind"]),
        amount=row["amount"],
        weight_tiers=tuple(sorted((int(t["up_to_grams"]), int(t["amount"])) for t in tiers or [])),
        free_over=row["free_over"],
        min_days=row["min_days"],
        max_days=row["max_days"],
        position=row["position"],
    )


async def zones_in_force(session: AsyncSession, settings: Settings) -> list[Zone]:
    """The active zones in order, each with its active methods; the settings' default zone
    when none was ever made."""
    zones = await run(session, _ZONES_IN_FORCE, {})
    if not zones:
        return [default_zone(settings)]
    methods: dict[int, list[Method]] = {}
    for row in await run(session, _METHODS_IN_FORCE, {}):
        methods.setdefault(row["zone_id"], []).append(_as_method(row))
    return [
        Zone(
            row["id"],
            row["name"],
            tuple(c.upper() for c in json.loads(row["countries"])),
            tuple(methods.get(row["id"], ())),
        )
        for row in zones
        if row["is_active"]
    ]


async def countries_shipped_to(session: AsyncSession, settings: Settings) -> list[str]:
    """Every country some active zone ships to, in the zones' order."""
    zones = await zones_in_force(session, settings)
    return list(dict.fromkeys(c for zone in zones for c in zone.countries))


def plan(
    zones: Sequence[Zone],
    country: str | None,
    lines: Sequence[tuple[Shippable, int]],
    goods_amount: int,
) -> ShippingPlan:
    """Shipping for these lines to `country` (None: the first zone's countries). Raises 422
    naming what cannot be shipped, so nothing reaches Checkout that could not be delivered."""
    zone = zone_for(zones, country)
    if zone is None:
        where = country or "any country"
        raise Unprocessable(f"We do not ship to {where}.", field="country")
    allowed = list(zone.countries)
    for product, _ in lines:
        limits = parse_countries(product.ships_to)
        if not limits:
            continue
        if country is not None and country not in limits:
            raise Unprocessable(
                f"“{product.name}” cannot be shipped to {country}; remove it from your basket "
                "or choose another country.",
                field="country",
            )
        allowed = [c for c in allowed if c in limits]
    if not allowed:
        raise Unprocessable(
            "The products in your basket cannot all be shipped to the same country; "
            "order them separately.",
            field="country",
        )
    weight = sum(product.weight_grams * quantity for product, quantity in lines)
    options = options_for(zone, Parcel(weight, goods_amount))
    if not options:
        raise Unprocessable(
            f"None of our shipping methods to {country or zone.name} can take this basket "
            f"({weight / 1000:g} kg); remove something from it.",
            field="country",
        )
    return ShippingPlan(country, zone, options, allowed)


async def plan_for(
    session: AsyncSession,
    settings: Settings,
    country: str | None,
    lines: Sequence[tuple[Shippable, int]],
    goods_amount: int,
    convert: Callable[[int], int] | None = None,
) -> ShippingPlan:
    """The plan in the shopper's currency: `convert` turns the methods' amounts and
    thresholds (in the store's default currency) into it, as `goods_amount` already is."""
    zones = await zones_in_force(session, settings)
    if convert is not None:
        zones = [converted(zone, convert) for zone in zones]
    return plan(zones, country, lines, goods_amount)


def converted(zone: Zone, convert: Callable[[int], int]) -> Zone:
    """`zone` with every amount and free-over threshold of its methods converted."""
    methods = tuple(
        replace(
            m,
            amount=convert(m.amount),
            weight_tiers=tuple((up_to, convert(amount)) for up_to, amount in m.weight_tiers),
            free_over=convert(m.free_over) if m.free_over is not None else None,
        )
        for m in zone.methods
    )
    return replace(zone, methods=methods)


async def shopper_country(
    session: AsyncSession, user_id: int | None, chosen: str | None
) -> str | None:
    """The country to ship to: the one chosen (a form, a cookie), else the account's default
    address's, else None (the first zone's)."""
    if chosen or user_id is None:
        return country_to(chosen, None)
    return country_to(None, await default_country(session, user_id))


def country_to(chosen: str | None, default: str | None) -> str | None:
    """`shopper_country` with the country of the account's default address in hand (None:
    it has none)."""
    if chosen:
        return chosen.strip().upper()
    return default.upper() if default else None


def chosen_option(
    offered: Sequence[dict[str, Any]] | None, rate_id: str | None, amount: int | None
) -> tuple[str | None, int | None]:
    """The name and amount of the option the customer chose on Stripe's page (by its rate
    id), as offered; the amount Stripe charged wins if it differs."""
    for option in offered or []:
        if rate_id is not None and option.get("rate") == rate_id:
            return str(option["name"]), amount if amount is not None else int(option["amount"])
    return None, amount


def describe(option: ShippingOption, currency: str) -> str:
    """ "Courier: 5.00 USD, 2–4 business days" (plain text for logs and notes)."""
    days = ""
    if option.min_days is not None or option.max_days is not None:
        low, high = option.min_days or option.max_days, option.max_days or option.min_days
        days = f", {low}–{high} business days" if low != high else f", {low} business days"
    return f"{option.name}: {as_text(option.amount, currency)}{days}"


# Staff: zones and methods ------------------------------------------------------------------


async def list_zones(session: AsyncSession) -> list[ShippingZone]:
    """Every zone with its methods, in order (the staff's)."""
    query = (
        select(ShippingZone)
        .options(selectinload(ShippingZone.methods))
        .order_by(ShippingZone.position, ShippingZone.id)
    )
    return list(await session.scalars(query))


async def get_zone(session: AsyncSession, zone_id: int) -> ShippingZone:
    zone = await session.scalar(
        select(ShippingZone)
        .where(ShippingZone.id == zone_id)
        .options(selectinload(ShippingZone.methods))
        .execution_options(populate_existing=True)
    )
    if zone is None:
        raise NotFound(f"Shipping zone {zone_id} not found.")
    return zone


async def create_zone(session: AsyncSession, data: ZoneIn) -> ShippingZone:
    zone = ShippingZone(**data.model_dump(), methods=[])
    zone.countries = list(dict.fromkeys(data.countries))
    session.add(zone)
    await session.flush()
    return await get_zone(session, zone.id)


async def update_zone(session: AsyncSession, zone_id: int, data: ZoneUpdate) -> ShippingZone:
    zone = await get_zone(session, zone_id)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise Unprocessable(f"{key} cannot be empty.", field=key)
        setattr(zone, key, list(dict.fromkeys(value)) if key == "countries" else value)
    await session.flush()
    return await get_zone(session, zone_id)


async def delete_zone(session: AsyncSession, zone_id: int) -> None:
    await session.delete(await get_zone(session, zone_id))
    await session.flush()


async def get_method(session: AsyncSession, method_id: int) -> ShippingMethod:
    method = await session.get(ShippingMethod, method_id)
    if method is None:
        raise NotFound(f"Shipping method {method_id} not found.")
    return method


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return MethodIn.model_validate(data).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Unprocessable(str(first["msg"]).removeprefix("Value error, ")) from exc


async def add_method(session: AsyncSession, zone_id: int, data: MethodIn) -> ShippingMethod:
    await get_zone(session, zone_id)
    method = ShippingMethod(zone_id=zone_id, **_checked(data.model_dump()))
    session.add(method)
    await session.flush()
    return method


_METHOD_FIELDS = tuple(MethodIn.model_fields)


async def update_method(
    session: AsyncSession, method_id: int, data: MethodUpdate
) -> ShippingMethod:
    method = await get_method(session, method_id)
    merged = {key: getattr(method, key) for key in _METHOD_FIELDS}
    merged.update(data.model_dump(exclude_unset=True))
    for key, value in _checked(merged).items():
        setattr(method, key, value)
    await session.flush()
    return method


async def delete_method(session: AsyncSession, method_id: int) -> None:
    await session.delete(await get_method(session, method_id))
    await session.flush()
