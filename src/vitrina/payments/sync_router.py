"""Staff view of the Stripe sync: `GET /stripe/sync`, `POST /stripe/sync/{kind}/{id}/retry`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from vitrina.accounts.dependencies import StaffUser
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import PathId
from vitrina.payments.sync import status as sync_status
from vitrina.payments.sync.status import SyncKind, SyncRow, SyncSummary

router = APIRouter(tags=["stripe sync"])
ERRORS: dict[int | str, dict[str, Any]] = {code: ERROR_RESPONSE for code in (401, 403, 404)}


@router.get("/stripe/sync", response_model=SyncSummary, responses=ERRORS)
async def sync_summary(
    session: SessionDep,
    _staff: StaffUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SyncSummary:
    """Rows waiting for Stripe (pending) or failing (with the last error and next attempt)."""
    return await sync_status.summary(session, limit=limit)


@router.post(
    "/stripe/sync/{kind}/{row_id}/retry",
    response_model=SyncRow,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def retry_sync(
    kind: SyncKind, row_id: PathId, session: SessionDep, _staff: StaffUser
) -> SyncRow:
    """Deliver this row at the workers' next poll (a synced row is re-checked against Stripe)."""
    return await sync_status.retry(session, kind, row_id)
