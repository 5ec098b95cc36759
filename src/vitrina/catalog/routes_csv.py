"""Staff CSV import and export of products (declared before /products/{id_or_slug})."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, UploadFile, status
from fastapi.responses import StreamingResponse

from vitrina.accounts.dependencies import StaffUser
from vitrina.catalog import import_jobs
from vitrina.catalog.csv_export import export_csv
from vitrina.catalog.csv_formats import import_products
from vitrina.catalog.schemas import ImportJobOut, ImportReport
from vitrina.catalog.uploads import read_limited
from vitrina.config import SettingsDep
from vitrina.db import SessionDep, db_helper
from vitrina.errors import ERROR_RESPONSE, Unprocessable

router = APIRouter(tags=["catalog"])
ERRORS: dict[int | str, dict[str, Any]] = {c: ERROR_RESPONSE for c in (401, 403, 413, 422)}


async def _text(file: UploadFile, limit: int) -> str:
    data = await read_limited(file, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable("The CSV must be UTF-8 encoded.") from exc


@router.post("/products/import", response_model=ImportReport, responses=ERRORS)
async def import_csv(
    session: SessionDep, settings: SettingsDep, _staff: StaffUser, file: UploadFile
) -> ImportReport:
    """Import products from a CSV: one row per variant (a `handle` column, Shopify's
    layout), or one row per product (by SKU, else slug). All or nothing: with any bad
    row, 422 whose detail lists every bad line and nothing is written."""
    text = await _text(file, settings.max_body_bytes)
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


@router.post(
    "/products/imports",
    response_model=ImportJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def start_csv_import(
    session: SessionDep, settings: SettingsDep, staff: StaffUser, file: UploadFile
) -> ImportJobOut:
    """The same import run in the background (for large files): 202 with the import's id;
    `GET /products/imports/{id}` tells its progress and, once finished, its outcome."""
    text = await _text(file, settings.max_body_bytes)
    job = await import_jobs.start_import(
        session,
        db_helper.session_factory,
        text,
        filename=file.filename or "",
        staff_id=staff.id,
    )
    return import_jobs.out(job)


@router.get("/products/imports/{job_id}", response_model=ImportJobOut, responses=ERRORS)
async def csv_import_status(session: SessionDep, _staff: StaffUser, job_id: str) -> ImportJobOut:
    """A background import's progress, or how it ended (every bad line when it failed)."""
    return import_jobs.out(await import_jobs.get_import(session, job_id))
