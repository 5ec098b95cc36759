"""`purge-reservations`: the periodic tidy-up of expired stock reservations."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner

from vitrina.basket.cli import commands
from vitrina.basket.models import StockReservation
from vitrina.kit.clock import utcnow


async def test_purge_reservations_command(client, shopper, make_product, session) -> None:
    product = await make_product(stock=3)
    _, headers = await shopper()
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    assert (await client.post("/api/v1/checkout", headers=headers)).status_code == 200
    reservation = await session.scalar(select(StockReservation))
    assert reservation is not None
    reservation.expires_at = utcnow() - timedelta(minutes=1)
    await session.commit()

    result = await asyncio.to_thread(CliRunner().invoke, commands, [])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired stock reservation(s)." in result.output
    assert await session.scalar(select(func.count()).select_from(StockReservation)) == 0
