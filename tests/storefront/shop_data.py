"""A small, good-looking shop for the browser tests: categories, products with images, a coupon."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog import images as catalog_images
from vitrina.catalog.models import Category, Product
from vitrina.coupons import service as coupons_service
from vitrina.coupons.schemas import CouponCreate
from vitrina.kit.clock import utcnow

COUPON = "WELCOME10"


def product_picture(background: str, accent: str, shape: str = "circle") -> bytes:
    """A 600×600 PNG: a soft background with one bold shape, like a studio product photo."""
    image = Image.new("RGB", (600, 600), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 470, 450, 520), fill=_shade(background, 0.85))
    if shape == "circle":
        draw.ellipse((170, 150, 430, 410), fill=accent)
    elif shape == "mug":
        draw.rounded_rectangle((180, 190, 380, 460), radius=24, fill=accent)
        draw.ellipse((350, 250, 450, 390), outline=accent, width=26)
    else:
        draw.polygon([(300, 120), (460, 460), (140, 460)], fill=accent)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _shade(color: str, factor: float) -> tuple[int, int, int]:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return int(red * factor), int(green * factor), int(blue * factor)


@dataclass
class Shop:
    kitchen: Category
    lighting: Category
    mug: Product
    teapot: Product
    lamp: Product


CATALOG = (
    ("kitchen", "Stoneware mug", 18_00, 12, "#f1e7dc", "#0f766e", "mug", "A teal stoneware mug"),
    ("kitchen", "Cast iron teapot", 64_00, 4, "#e7ecef", "#1c1917", "circle", "A black teapot"),
    ("kitchen", "Linen tea towel", 12_50, 30, "#f5f0e6", "#b45309", "triangle", "A towel"),
    ("lighting", "Brass desk lamp", 89_00, 6, "#efe9df", "#a16207", "triangle", "A brass lamp"),
    ("lighting", "Paper pendant", 45_00, 0, "#eef2f1", "#e7e5e4", "circle", "A paper pendant"),
)


async def stock_the_shop(session: AsyncSession, make_category, make_product) -> Shop:  # type: ignore[no-untyped-def]
    kitchen = await make_category(name="Kitchen", description="Mugs, teapots and linens.")
    lighting = await make_category(name="Lighting")
    made: dict[str, Product] = {}
    for where, name, price, stock, background, accent, shape, alt in CATALOG:
        category = kitchen if where == "kitchen" else lighting
        product = await make_product(
            name=name,
            price=price,
            stock=stock,
            category=category,
            description=f"{name}, made in small batches. Handle with care.",
        )
        await catalog_images.add_image(
            session, product, product_picture(background, accent, shape), alt=alt
        )
        await session.commit()
        made[name] = product
    await coupons_service.create_coupon(
        session,
        CouponCreate(number=COUPON, discount=Decimal("10"), end_at=utcnow() + timedelta(days=30)),
    )
    await session.commit()
    return Shop(
        kitchen=kitchen,
        lighting=lighting,
        mug=made["Stoneware mug"],
        teapot=made["Cast iron teapot"],
        lamp=made["Brass desk lamp"],
    )
