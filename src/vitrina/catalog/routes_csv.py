"""Staff CSV import and export of products (declared before /products/{id_or_slug})."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, UploadFile
from fastapi.responses import StreamingResponse

from vitrina.accounts.dependencies import StaffUser
from vitrina.catalog.csv_export import export_csv
from vitrina.catalog.csv_import import import_products
from vitrina.catalog.schemas import ImportReport
from vitrina.catalog.uploads import read_limited
from vitrina.config import SettingsDep
from vitrina.db import SessionDep, db_helper
from vitrina.errors import ERROR_RESPONSE, Unprocessable

router = APIRouter(tags=["catalog"])
ERRORS: dict[int | str, dict[str, Any]] = {c: ERROR_RESPONSE for c in (401, 403, 413, 422)}


@router.post("/products/import", response_model=ImportReport, responses=ERRORS)
async def import_csv(
    session: SessionDep, settings: SettingsDep, _staff: StaffUser, file: UploadFile
) -> ImportReport:
    """Upsert products from a CSV (by SKU, else slug). All or nothing: with any bad row,
    422 whose detail lists every bad line and nothing is written."""
    data = await read_limited(file, settings.max_body_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable("The CSV must be UTF-8 encoded.") from exc
    report = await import_products(session, io.StringIO(text, newline=""))
    if report.errors:
        raise Unprocessable(
            {
                "message": f"{len(report.errors)} bad rows; nothing was imported.",
                "errors": [e.model_dump() for e in report.errors],
            }
        )
    return report


@router.get(
    "/products/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **ERRORS},
)
async def export_products(_staff: StaffUser) -> StreamingResponse:
    """Every product as CSV (the import's columns), streamed."""
    return StreamingResponse(
        export_csv(db_helper.session_factory),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )
