"""The product CSV import page: upload a file, watch its progress bar, read its outcome.

The import runs in the background (`catalog.import_jobs`); its page, at its own address,
polls the status as JSON and shows the outcome once it is done, so it survives a reload.
"""

from __future__ import annotations

from sqladmin import BaseView, expose
from sqladmin.templating import Jinja2Templates
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from vitrina.admin.base import audited
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy
from vitrina.catalog import import_jobs
from vitrina.config import get_settings
from vitrina.db import db_helper


class ImportPages:
    """Mixed into ProductAdmin (sqladmin exposes these methods as its routes)."""

    templates: Jinja2Templates

    @expose("/csv-import", methods=["GET", "POST"])
    async def csv_import_page(self, request: Request) -> Response:
        """The upload form; a file sent starts its import and leads to its page."""
        error = None
        if request.method == "POST":
            form = await request.form()
            upload = form.get("file")
            data = (
                await upload.read(get_settings().max_body_bytes + 1)
                if isinstance(upload, UploadFile)
                else b""
            )
            if not data:
                error = _("Choose a CSV file to import.")
            elif len(data) > get_settings().max_body_bytes:
                error = _("The file is too large.")
            else:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    error = _("The CSV must be UTF-8 encoded.")
                else:
                    job_id = await self._start(request, text, upload)
                    url = request.url_for("admin:view-product-csv_import_progress", job_id=job_id)
                    return RedirectResponse(url, status_code=303)
        context = {"error": error, "job": None}
        return await self.templates.TemplateResponse(
            request, "product_import.html", context, status_code=400 if error else 200
        )

    async def _start(self, request: Request, text: str, upload: object) -> str:
        filename = getattr(upload, "filename", "") or ""
        async with audited("csv_import") as session:
            job = await import_jobs.start_import(
                session,
                db_helper.session_factory,
                text,
                filename=filename,
                staff_id=request.state.staff.id,
            )
            return job.id

    @expose("/csv-import/{job_id}", methods=["GET"])
    async def csv_import_progress(self, request: Request) -> Response:
        """The import's progress bar (polled), then its outcome."""
        async with audited() as session:
            job = import_jobs.out(
                await import_jobs.get_import(session, request.path_params["job_id"])
            )
        return await self.templates.TemplateResponse(
            request, "product_import.html", {"error": None, "job": job}
        )

    @expose("/csv-import/{job_id}/status", methods=["GET"])
    async def csv_import_status(self, request: Request) -> Response:
        async with audited() as session:
            job = import_jobs.out(
                await import_jobs.get_import(session, request.path_params["job_id"])
            )
        return JSONResponse(job.model_dump())


class CsvImportLink(BaseView):
    """The menu's way to the import page."""

    name = lazy("Import CSV")
    icon = "fa-solid fa-file-import"

    def is_accessible(self, request: Request) -> bool:
        staff = getattr(request.state, "staff", None)
        return bool(staff is not None and staff.is_staff)

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)

    @expose("/csv-import", methods=["GET"])
    async def csv_import_link(self, request: Request) -> Response:
        url = request.url_for("admin:view-product-csv_import_page")
        return RedirectResponse(url, status_code=303)
