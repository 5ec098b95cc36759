"""The catalog service other features build on: get, get by ids, lock, adjust stock."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog import service
from vitrina.db import db_helper
from vitrina.errors import Conflict, NotFound
from vitrina.kit.stripe_sync import SyncState


async def test_new_product_is_pending_sync_with_unique_slugs(make_product) -> None:
    first = await make_product(name="Red Mug")
    second = await make_product(name="Red Mug")
    assert first.slug == "red-mug"
    assert second.slug == "red-mug-2"
    assert first.sync_version == 1 and first.synced_version == 0
    assert first.sync_state is SyncState.PENDING


async def test_get_product_by_id_or_slug_hides_inactive(
    make_product, session: AsyncSession
) -> None:
    product = await make_product(name="Hidden Lamp", is_active=False)
    with pytest.raises(NotFound):
        await service.get_product(session, product.slug)
    found = await service.get_product(session, str(product.id), staff=True)
    assert found.id == product.id
    assert found.images == []


async def test_get_products_by_ids_returns_only_existing(
    make_product, session: AsyncSession
) -> None:
    a = await make_product()
    b = await make_product()
    found = await service.get_products_by_ids(session, [b.id, a.id, 999_999])
    assert set(found) == {a.id, b.id}


async def test_adjust_stock_never_goes_below_zero(make_product, session: AsyncSession) -> None:
    product = await make_product(stock=3)
    assert await service.adjust_stock(session, product, -2, "sold") == 1
    with pytest.raises(Conflict):
        await service.adjust_stock(session, product, -2, "sold")
    await session.commit()
    assert product.stock == 1


@pytest.mark.postgres_only
async def test_concurrent_stock_takes_cannot_oversell(make_product) -> None:
    product = await make_product(stock=5)

    async def take_one() -> bool:
        async with db_helper.session_factory() as s:
            locked = await service.lock_products(s, [product.id])
            try:
                await service.adjust_stock(s, locked[product.id], -1, "race")
            except Conflict:
                return False
            await s.commit()
            return True

    results = await asyncio.gather(*(take_one() for _ in range(12)))
    assert sum(results) == 5
    async with db_helper.session_factory() as s:
        assert (await service.get_product(s, product.id)).stock == 0
