"""CSV of one row per variant (Shopify's layout): products with options and variants made,
changed and read back through the API, all or nothing, and an export that imports as it was."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import arrange_checkout, emulator, make_paid_order
from vitrina.accounts.models import User
from vitrina.catalog.models import Product, ProductOptionValue, ProductVariant

__all__ = ["arrange_checkout", "emulator", "make_paid_order"]

IMPORT, EXPORT = "/api/v1/products/import", "/api/v1/products/export"
HEADER = (
    "handle,name_en,name_ru,category,option1_name,option1_value,option2_name,option2_value,"
    "variant_sku,variant_price,variant_compare_at_price,variant_stock,variant_weight_grams,"
    "variant_is_active\n"
)
SHIRTS = (
    HEADER + "tee,T-shirt,Футболка,wear,Size,S,Colour,red,TEE-S-R,1490,1990,3,180,true\n"
    "tee,,,,,M,,red,TEE-M-R,1590,,4,,true\n"
    "tee,,,,Size,M,Colour,blue,TEE-M-B,1590,,0,,true\n"
    "tee,,,,,L,,blue,TEE-L-B,1690,,9,,false\n"
    "mug,Mug,,wear,,,,,MUG-1,900,,7,350,true\n"
)


def _csv(text: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("products.csv", text.encode(), "text/csv")}


async def _import(client: httpx.AsyncClient, staff: dict[str, str], text: str) -> httpx.Response:
    return await client.post(IMPORT, files=_csv(text), headers=staff)


async def _export(client: httpx.AsyncClient, staff: dict[str, str]) -> str:
    response = await client.get(EXPORT, headers=staff)
    assert response.status_code == 200
    return response.text


async def _variants(client: httpx.AsyncClient, staff: dict[str, str], slug: str) -> list[Any]:
    product = (await client.get(f"/api/v1/products/{slug}")).json()
    response = await client.get(f"/api/v1/products/{product['id']}/variants", headers=staff)
    assert response.status_code == 200, response.text
    return [
        (v["id"], v["sku"], v["price"], v["compare_at_price"], v["stock"], v["is_active"],
         v["options"], v["weight_grams"])
        for v in response.json()["variants"]
    ]  # fmt: skip


async def test_rows_of_a_handle_make_one_product_with_options_and_variants(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category, session: AsyncSession
) -> None:
    await make_category(name="Wear")
    response = await _import(client, staff_headers, SHIRTS)
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 5, "created": 2, "updated": 0, "errors": []}
    tee = (await client.get("/api/v1/products/tee")).json()
    assert (tee["name"], tee["price"], tee["price_max"], tee["stock"]) == ("T-shirt", 1490, 1590, 7)
    assert [o["name"] for o in tee["options"]] == ["Size", "Colour"]
    assert [[v["value"] for v in o["values"]] for o in tee["options"]] == [
        ["S", "M", "L"],
        ["red", "blue"],
    ]
    variants = await _variants(client, staff_headers, "tee")
    assert [v[1:] for v in variants] == [
        ("TEE-S-R", 1490, 1990, 3, True, "Size: S, Colour: red", 180),
        ("TEE-M-R", 1590, None, 4, True, "Size: M, Colour: red", None),
        ("TEE-M-B", 1590, None, 0, True, "Size: M, Colour: blue", None),
    ]
    inactive = await session.scalar(select(ProductVariant).where(ProductVariant.sku == "TEE-L-B"))
    assert inactive is not None and (inactive.price, inactive.is_active) == (1690, False)
    mug = (await client.get("/api/v1/products/mug")).json()
    assert (mug["price"], mug["stock"], mug["sku"], mug["options"]) == (900, 7, "MUG-1", [])
    russian = await client.get("/api/v1/products/tee", params={"lang": "ru"})
    assert russian.json()["name"] == "Футболка"


async def test_an_export_reads_back_unchanged(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category,
    session: AsyncSession,
) -> None:
    await make_category(name="Wear")
    assert (await _import(client, staff_headers, SHIRTS)).status_code == 200
    exported = await _export(client, staff_headers)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["handle"] for r in rows] == ["tee"] * 4 + ["mug"]
    assert [r["category"] for r in rows] == ["wear", "", "", "", "wear"]
    before = {slug: await _variants(client, staff_headers, slug) for slug in ("tee", "mug")}
    versions = (await session.scalars(select(Product.sync_version).order_by(Product.id))).all()
    again = await _import(client, staff_headers, exported)
    assert again.json() == {"rows": 5, "created": 0, "updated": 2, "errors": []}
    assert {slug: await _variants(client, staff_headers, slug) for slug in before} == before
    session.expire_all()
    assert (
        await session.scalars(select(Product.sync_version).order_by(Product.id))
    ).all() == versions
    assert await _export(client, staff_headers) == exported


async def test_a_file_changes_adds_and_drops_variants_and_values(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category,
    session: AsyncSession,
) -> None:
    await make_category(name="Wear")
    assert (await _import(client, staff_headers, SHIRTS)).status_code == 200
    ids = {v[1]: v[0] for v in await _variants(client, staff_headers, "tee")}
    changed = (
        HEADER + "tee,T-shirt,Футболка,wear,Size,S,Colour,red,TEE-S-R,1390,,5,,true\n"
        "tee,,,,,M,,red,TEE-M-R,1590,,4,,true\n"
        "tee,,,,,XL,,green,TEE-XL-G,1890,,2,,true\n"
    )
    response = await _import(client, staff_headers, changed)
    assert response.status_code == 200, response.text
    variants = await _variants(client, staff_headers, "tee")
    assert [v[:5] for v in variants] == [
        (ids["TEE-S-R"], "TEE-S-R", 1390, None, 5),
        (ids["TEE-M-R"], "TEE-M-R", 1590, None, 4),
        (variants[2][0], "TEE-XL-G", 1890, None, 2),
    ]
    assert variants[2][6] == "Size: XL, Colour: green"
    tee = (await client.get("/api/v1/products/tee")).json()
    assert (tee["price"], tee["price_max"], tee["stock"]) == (1390, 1890, 11)
    assert [[v["value"] for v in o["values"]] for o in tee["options"]] == [
        ["S", "M", "XL"],
        ["red", "green"],
    ]
    left = await session.scalar(select(func.count()).select_from(ProductOptionValue))
    assert left == 5


async def test_a_product_sold_as_one_variant_keeps_it_when_the_file_gives_it_options(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category, make_product
) -> None:
    wear = await make_category(name="Wear")
    product = await make_product(name="Cap", sku="CAP", price=500, stock=2, category=wear)
    [(default_id, *_rest)] = await _variants(client, staff_headers, product.slug)
    category = wear.slug
    text = (
        f"handle,name,category,option1_name,option1_value,variant_sku,variant_price\n"
        f"{product.slug},Cap,{category},Size,S,CAP-S,500\n"
        f"{product.slug},,,,M,CAP-M,550\n"
    )
    response = await _import(client, staff_headers, text)
    assert response.status_code == 200, response.text
    variants = await _variants(client, staff_headers, product.slug)
    assert [(v[0] == default_id, v[1]) for v in variants] == [(True, "CAP-S"), (False, "CAP-M")]
    assert (await client.get(f"/api/v1/products/{product.id}")).json()["sku"] is None


async def test_bad_rows_are_each_named_by_line_and_column_and_nothing_is_written(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category,
    make_product,
    session: AsyncSession,
) -> None:
    await make_category(name="Wear")
    await make_product(name="Other", sku="TAKEN")
    text = (
        HEADER + "tee,T-shirt,,nowhere,Size,S,,,A-1,1490,,3,,true\n"
        "tee,,,,,M,,,A-1,15.90,,4,,true\n"
        "tee,,,,,S,,,A-3,1590,,-1,,maybe\n"
        "cap,Cap,,wear,,,,,TAKEN,100,,1,,true\n"
        "tee,,,,,L,,,A-5,100,,1,,true\n"
    )
    before = await session.scalar(select(func.count()).select_from(ProductVariant))
    response = await _import(client, staff_headers, text)
    assert response.status_code == 422, response.text
    errors = {e["line"]: " | ".join(e["errors"]) for e in response.json()["detail"]["errors"]}
    assert sorted(errors) == [2, 3, 4, 6]
    assert "unknown category 'nowhere'" in errors[2]
    assert "variant_sku 'A-1' already used on line 2" in errors[3]
    assert "variant_price" in errors[3]
    assert "already on line 2" in errors[4] and "variant_stock" in errors[4]
    assert "variant_is_active" in errors[4]
    assert "handle 'tee' is on line 2 too" in errors[6]
    assert await session.scalar(select(func.count()).select_from(ProductVariant)) == before
    assert (await client.get("/api/v1/products/tee")).status_code == 404

    taken = HEADER + "cap,Cap,,wear,,,,,TAKEN,100,,1,,true\n"
    refused = await _import(client, staff_headers, taken)
    assert refused.status_code == 422
    [error] = refused.json()["detail"]["errors"]
    assert (
        error["line"] == 2
        and "variant_sku 'TAKEN' is already another product's" in (error["errors"][0])
    )


async def test_a_sold_variant_cannot_be_dropped_by_a_file(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order,
    customer: User,
) -> None:
    product = await make_product(name="Hoodie", sku="HD", price=3000, stock=5)
    await make_paid_order(customer, [(product, 1)])
    made = await client.post(
        f"/api/v1/products/{product.id}/options",
        json={"name": "Size", "values": [{"value": "S"}, {"value": "M"}]},
        headers=staff_headers,
    )
    values = {v["value"]: v["id"] for v in made.json()["options"][0]["values"]}
    for size in ("S", "M"):
        response = await client.post(
            f"/api/v1/products/{product.id}/variants",
            json={"values": [values[size]], "sku": f"HD-{size}", "price": 3000, "stock": 1},
            headers=staff_headers,
        )
        assert response.status_code == 201, response.text
    exported = list(csv.DictReader(io.StringIO(await _export(client, staff_headers))))
    assert [r["variant_sku"] for r in exported] == ["HD-S", "HD-M"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(exported[0]))
    writer.writeheader()
    writer.writerow({**exported[1], **{k: exported[0][k] for k in ("name_en", "category")}})
    response = await _import(client, staff_headers, out.getvalue())
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]["errors"]
    assert error["line"] == 2
    assert "HD-S (size: s) has been sold" in error["errors"][0]
    assert len(await _variants(client, staff_headers, product.slug)) == 2


async def test_a_file_of_one_row_per_product_still_imports(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    await make_category(name="Wear")
    old = "name,price,category,stock,sku\nScarf,1200,wear,3,SC-1\n"
    response = await _import(client, staff_headers, old)
    assert response.json() == {"rows": 1, "created": 1, "updated": 0, "errors": []}
    scarf = (await client.get("/api/v1/products/scarf")).json()
    assert (scarf["price"], scarf["stock"], scarf["sku"]) == (1200, 3, "SC-1")
    [row] = list(csv.DictReader(io.StringIO(await _export(client, staff_headers))))
    assert (row["handle"], row["variant_sku"], row["variant_price"]) == ("scarf", "SC-1", "1200")


async def test_an_old_file_may_not_change_the_summary_of_a_product_of_several_variants(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    await make_category(name="Wear")
    assert (await _import(client, staff_headers, SHIRTS)).status_code == 200
    old = "name,price,category,stock,slug\nT-shirt,999,wear,7,tee\n"
    response = await _import(client, staff_headers, old)
    assert response.status_code == 422, response.text
    assert "sold in 4 variants" in response.json()["detail"]["errors"][0]["errors"][0]


async def _finished(client: httpx.AsyncClient, staff: dict[str, str], job_id: str) -> Any:
    for _ in range(300):
        response = await client.get(f"/api/v1/products/imports/{job_id}", headers=staff)
        assert response.status_code == 200, response.text
        if response.json()["finished"]:
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError("the import did not finish")


async def test_a_background_import_reports_progress_then_its_outcome(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    await make_category(name="Wear")
    started = await client.post(
        "/api/v1/products/imports", files=_csv(SHIRTS), headers=staff_headers
    )
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued" and started.json()["rows_total"] == 5
    done = await _finished(client, staff_headers, started.json()["id"])
    assert (done["status"], done["percent"], done["rows_done"]) == ("done", 100, 5)
    assert (done["created"], done["updated"], done["errors"]) == (2, 0, [])
    assert (await client.get("/api/v1/products/tee")).json()["stock"] == 7

    bad = SHIRTS.replace("wear,Size,S", "nowhere,Size,S")
    started = await client.post("/api/v1/products/imports", files=_csv(bad), headers=staff_headers)
    failed = await _finished(client, staff_headers, started.json()["id"])
    assert failed["status"] == "failed" and "nothing was imported" in failed["message"]
    assert failed["errors"][0]["line"] == 2

    missing = await client.get("/api/v1/products/imports/nope", headers=staff_headers)
    assert missing.status_code == 404
    anonymous = await client.get(f"/api/v1/products/imports/{started.json()['id']}")
    assert anonymous.status_code == 401


async def test_a_variant_shows_one_of_its_products_images(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    await make_category(name="Wear")
    assert (await _import(client, staff_headers, SHIRTS)).status_code == 200
    tee = (await client.get("/api/v1/products/tee")).json()
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 30)).save(picture, format="PNG")
    image = await client.post(
        f"/api/v1/products/{tee['id']}/images",
        files={"file": ("red.png", picture.getvalue(), "image/png")},
        headers=staff_headers,
    )
    assert image.status_code == 201, image.text
    rows = list(csv.DictReader(io.StringIO(await _export(client, staff_headers))))
    rows[0]["variant_image"] = image.json()["url"]
    rows[4]["variant_image"] = image.json()["url"]  # the mug's row: not its image
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    refused = await _import(client, staff_headers, out.getvalue())
    assert refused.status_code == 422
    [error] = refused.json()["detail"]["errors"]
    assert error["line"] == 6 and "variant_image" in error["errors"][0]
    rows[4]["variant_image"] = ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    assert (await _import(client, staff_headers, out.getvalue())).status_code == 200
    response = await client.get(f"/api/v1/products/{tee['id']}/variants")
    assert [v["image_id"] for v in response.json()["variants"]][:2] == [image.json()["id"], None]
    exported = list(csv.DictReader(io.StringIO(await _export(client, staff_headers))))
    assert "/media/" + exported[0]["variant_image"] == image.json()["url"]


@pytest.mark.postgres_only
async def test_a_large_import_leaves_the_planner_statistics_current(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category, session: AsyncSession
) -> None:
    """A thousand rows or more are ANALYZEd with the import: an import right after one that
    large used to plan its SKU lookups as sequential scans (120 s at 100k rows, not 11)."""
    await make_category(name="Wear")
    rows = "".join(
        f"bulk-{n // 10},Bulk {n // 10},,wear,Size,S{n % 10},,,BULK-{n},990,,1,,true\n"
        for n in range(1000)
    )
    response = await _import(client, staff_headers, HEADER + rows)
    assert response.json() == {"rows": 1000, "created": 100, "updated": 0, "errors": []}
    # ANALYZE of a table this small reads every row: its estimate is then the exact count
    # (without it, whatever the last autovacuum or earlier test left).
    estimate = text("SELECT reltuples FROM pg_class WHERE relname = 'product_variants'")
    rows_now = await session.scalar(select(func.count()).select_from(ProductVariant))
    assert rows_now is not None and rows_now >= 1000
    assert await session.scalar(estimate) == rows_now
