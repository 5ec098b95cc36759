"""Saved shipping addresses: a customer keeps a few, one of them the default.

The default address is what checkout offers Stripe to prefill (`stripe_shipping`). The partial
unique index `uq_shipping_addresses_one_default` keeps at most one default per customer; the
first address saved becomes the default, and deleting the default promotes the newest other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import ShippingAddress, User
from vitrina.accounts.schemas import AddressIn
from vitrina.errors import Conflict, NotFound
from vitrina.reads import run

MAX_ADDRESSES = 20


async def list_addresses(session: AsyncSession, user: User) -> Sequence[ShippingAddress]:
    """The customer's addresses, the default first, then the newest."""
    rows = await session.scalars(
        select(ShippingAddress)
        .where(ShippingAddress.user_id == user.id)
        .order_by(ShippingAddress.is_default.desc(), ShippingAddress.id.desc())
    )
    return rows.all()


async def get_address(session: AsyncSession, user: User, address_id: int) -> ShippingAddress:
    """One of the customer's own addresses; 404 for anyone else's."""
    address = await session.get(ShippingAddress, address_id)
    if address is None or address.user_id != user.id:
        raise NotFound("Address not found.")
    return address


async def default_address(session: AsyncSession, user_id: int) -> ShippingAddress | None:
    return await session.scalar(_DEFAULT_ADDRESS, {"user_id": user_id})


_DEFAULT_ADDRESS = select(ShippingAddress).where(
    ShippingAddress.user_id == bindparam("user_id"), ShippingAddress.is_default.is_(True)
)
"""Built once (checkout reads it)."""
_DEFAULT_COUNTRY = select(ShippingAddress.__table__.c.country).where(
    ShippingAddress.__table__.c.user_id == bindparam("user_id"),
    ShippingAddress.__table__.c.is_default.is_(True),
)


async def default_country(session: AsyncSession, user_id: int) -> str | None:
    """The country of the account's default address (None: it has none): all that every
    basket answer of a customer reads of it, as a plain row (`reads.run`)."""
    rows = await run(session, _DEFAULT_COUNTRY, {"user_id": user_id})
    return rows[0]["country"] if rows else None


async def _clear_default(session: AsyncSession, user: User) -> None:
    await session.execute(
        update(ShippingAddress)
        .where(ShippingAddress.user_id == user.id, ShippingAddress.is_default.is_(True))
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    await session.flush()


async def add_address(
    session: AsyncSession, user: User, data: AddressIn, *, make_default: bool = False
) -> ShippingAddress:
    count = await session.scalar(select(func.count()).where(ShippingAddress.user_id == user.id))
    if (count or 0) >= MAX_ADDRESSES:
        raise Conflict(f"You can keep at most {MAX_ADDRESSES} addresses; delete one first.")
    make_default = make_default or not count
    if make_default:
        await _clear_default(session, user)
    address = ShippingAddress(user_id=user.id, is_default=make_default, **data.model_dump())
    session.add(address)
    await session.flush()
    return address


async def update_address(
    session: AsyncSession, user: User, address_id: int, data: AddressIn
) -> ShippingAddress:
    address = await get_address(session, user, address_id)
    for field, value in data.model_dump().items():
        setattr(address, field, value)
    await session.flush()
    return address


async def make_default(session: AsyncSession, user: User, address_id: int) -> ShippingAddress:
    address = await get_address(session, user, address_id)
    if not address.is_default:
        await _clear_default(session, user)
        address.is_default = True
        await session.flush()
    return address


async def delete_address(session: AsyncSession, user: User, address_id: int) -> None:
    address = await get_address(session, user, address_id)
    was_default = address.is_default
    await session.delete(address)
    await session.flush()
    if was_default:
        newest = await session.scalar(
            select(ShippingAddress)
            .where(ShippingAddress.user_id == user.id)
            .order_by(ShippingAddress.id.desc())
            .limit(1)
        )
        if newest is not None:
            newest.is_default = True
            await session.flush()


async def default_shipping(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    """The default address as a Stripe Customer's `shipping`, or None. Checkout has no
    parameter for a shipping address: it prefills the one on the Customer a session names
    (`customer`), so the Customer made for this user should carry this."""
    address = await default_address(session, user_id)
    return None if address is None else stripe_shipping(address)


def stripe_shipping(address: ShippingAddress) -> dict[str, Any]:
    """The address in the shape of a Stripe Customer's `shipping` (what Checkout prefills)."""
    return {
        "name": address.name,
        "phone": address.phone or None,
        "address": {
            "line1": address.line1,
            "line2": address.line2 or None,
            "city": address.city,
            "postal_code": address.postal_code,
            "state": address.state or None,
            "country": address.country,
        },
    }
