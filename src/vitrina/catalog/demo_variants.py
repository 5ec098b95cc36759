"""Demo products sold in variants: every `EVERY`-th of the first demo products gets sizes
(and, for most, colours) with 1 to 24 of the combinations for sale (`COUNTS`, in turn: the
first, product 5 of a fresh demo, has all 24), through the same service staff use, so the
demo shows option pickers, disabled combinations, price ranges and per-variant stock.

Prices vary by size (larger sizes cost more) and a little by colour; stock varies from
none to plenty."""

from __future__ import annotations

import itertools
import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.catalog.variant_schemas import OptionIn, OptionValueIn, VariantIn
from vitrina.catalog.variant_service import add_option, add_variant

EVERY = 5
UP_TO = 300
"""Products looked at (by id order); a large demo catalogue gets the same few dozen."""

SIZES = (("XS", "XS"), ("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"), ("XXL", "XXL"))
COLOURS = (("red", "красный"), ("blue", "синий"), ("black", "чёрный"), ("white", "белый"))
COUNTS = (24, 3, 12, 1, 18, 6, 9, 2, 16, 4)
"""How many combinations each product in turn sells; those up to 6 have sizes only."""
STOCK = (0, 1, 2, 5, 12, 40)


def _values(pairs: tuple[tuple[str, str], ...]) -> list[OptionValueIn]:
    return [OptionValueIn(value=en, value_ru=ru) for en, ru in pairs]


async def add_demo_variants(session: AsyncSession, seed: int = 17) -> int:
    """Give some demo products options and variants; returns how many got them."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    products = (await session.scalars(select(Product).order_by(Product.id).limit(UP_TO))).all()
    made = 0
    for index, product in enumerate(products):
        if index % EVERY != EVERY - 1:
            continue
        count = COUNTS[made % len(COUNTS)]
        size = await add_option(
            session, product, OptionIn(name="Size", name_ru="Размер", values=_values(SIZES))
        )
        options = [size]
        if count > len(SIZES):
            options.append(
                await add_option(
                    session,
                    product,
                    OptionIn(name="Colour", name_ru="Цвет", values=_values(COLOURS)),
                )
            )
        for option in options:
            await session.refresh(option, ["values"])
        combinations = list(itertools.product(*(option.values for option in options)))
        chosen = sorted(rng.sample(range(len(combinations)), count))
        base = product.price
        for number, which in enumerate(chosen):
            values = combinations[which]
            step = values[0].position  # larger sizes cost more
            colour = 50 * values[1].position if len(values) > 1 else 0
            sku = "-".join([product.sku or f"P{product.id}", *(v.slug.upper() for v in values)])
            await add_variant(
                session,
                product,
                VariantIn(
                    values=[v.id for v in values],
                    sku=sku,
                    price=base + base * step // 20 + colour,
                    compare_at_price=(base * 13 // 10) if number % 5 == 0 else None,
                    stock=rng.choice(STOCK),
                    weight_grams=200 + 25 * step,
                    position=number,
                ),
            )
        made += 1
    return made
