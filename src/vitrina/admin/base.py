"""What every admin view shares: staff-only access, audited writes, service errors as flashes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, ClassVar

from sqladmin import ModelView
from sqladmin.filters import AllUniqueStringValuesFilter
from sqladmin.flash import flash
from sqladmin.formatters import BASE_FORMATTERS
from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.admin.audit_hooks import admin_sessions
from vitrina.admin.i18n import gettext, moment
from vitrina.admin.labels import N_
from vitrina.errors import VitrinaError
from vitrina.kit.bounds import MAX_INT


@asynccontextmanager
async def audited(action: str | None = None) -> AsyncIterator[AsyncSession]:
    """One audited unit of work: commits on success, rolls back on an exception."""
    async with admin_sessions()() as session:
        if action is not None:
            session.info["audit_action"] = action
        yield session
        await session.commit()


def back_to(request: Request, view: ModelView, pks: list[str]) -> Response:
    """Where an action returns: the object's page for one row, else the list."""
    referer = request.headers.get("referer")
    if referer and referer.startswith(str(request.base_url)):
        return RedirectResponse(referer, status_code=302)
    if len(pks) == 1:
        url = request.url_for("admin:details", identity=view.identity, pk=pks[0])
    else:
        url = request.url_for("admin:list", identity=view.identity)
    return RedirectResponse(url, status_code=302)


def selected_pks(request: Request) -> list[str]:
    """The selected rows' ids; anything that is not an id a row could have is left out."""
    pks = (pk.strip() for pk in request.query_params.get("pks", "").split(","))
    return [pk for pk in pks if pk.isdigit() and 0 < int(pk) <= MAX_INT][:500]


N_ALL = N_("All")


def report(request: Request, error: VitrinaError) -> None:
    flash(request, str(error.detail), category="danger", title=gettext("Not done"))


def done(request: Request, message: str) -> None:
    flash(request, message, category="success", title=gettext("Done"))


def _moment(value: datetime) -> str:
    return moment(value)


class StaffView(ModelView):
    """The base of Vitrina's admin views: reads are plain, writes go through `audited`.
    Times are shown in the store's timezone and the admin's language."""

    page_size = 25
    can_export = False
    can_import = False
    column_type_formatters: ClassVar[dict[type, Any]] = {**BASE_FORMATTERS, datetime: _moment}
    column_type_formatters_detail: ClassVar[dict[type, Any]] = column_type_formatters

    def is_accessible(self, request: Request) -> bool:
        staff: Any = getattr(request.state, "staff", None)
        return bool(staff is not None and staff.is_staff)

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)

    def _stmt_by_identifier(self, identifier: str) -> Select[Any]:
        """No row for an id no row can have ("abc", beyond 32 bits): a 404, not a 500."""
        if not identifier.isdigit() or not 0 < int(identifier) <= MAX_INT:
            return select(self.model).where(false())
        return super()._stmt_by_identifier(identifier)

    def search_placeholder(self) -> str:
        """The searchable columns' labels, translated (they are lazy strings)."""
        return ", ".join(str(self._column_labels.get(f, f)) for f in self._search_fields)


class ReadOnlyView(StaffView):
    """A view whose rows change only through other pages (orders, the audit log, sync)."""

    can_create = False
    can_edit = False
    can_delete = False


class ValuesFilter(AllUniqueStringValuesFilter):
    """sqladmin's filter by a column's values, in the admin's language."""

    def __init__(self, column: Any, title: Any, labels: Mapping[str, str] | None = None) -> None:
        super().__init__(column, title=title)
        self.labels = labels or {}

    async def lookups(
        self, request: Request, model: Any, run_query: Callable[[Select[Any]], Any]
    ) -> list[tuple[str, str]]:
        found = await super().lookups(request, model, run_query)
        return [
            (value, gettext("All") if value == "__all" else gettext(self.labels.get(value, label)))
            for value, label in found
        ]
