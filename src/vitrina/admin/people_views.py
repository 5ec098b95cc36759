"""Users (roles, deactivation through the accounts service) and the read-only audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from sqladmin import action
from sqladmin.filters import AllUniqueStringValuesFilter
from starlette.requests import Request
from starlette.responses import Response

from vitrina.accounts import service as accounts_service
from vitrina.accounts.models import Role, User
from vitrina.admin.base import StaffView, audited, back_to, done, report, selected_pks
from vitrina.audit.models import AuditEntry
from vitrina.errors import Forbidden, VitrinaError


class UserAdmin(StaffView, model=User):
    name = "User"
    name_plural = "Users"
    icon = "fa-solid fa-users"
    can_create = False
    can_edit = False
    can_delete = False
    column_list = (User.id, User.email, User.full_name, User.role, User.is_active, User.created_at)
    column_details_exclude_list = (User.password_hash,)
    column_searchable_list = (User.email, User.full_name)
    column_sortable_list = (User.id, User.email, User.created_at)
    column_filters: ClassVar[list[Any]] = [AllUniqueStringValuesFilter(User.role, title="Role")]

    async def _update(self, request: Request, label: str, **change: Any) -> Response:
        pks = selected_pks(request)
        actor: User = request.state.staff
        try:
            if actor.role is not Role.ADMIN:
                raise Forbidden("Only admins can change roles or deactivate users.")
            async with audited() as session:
                session.info["audit_manual"] = True  # the accounts service records it
                for pk in pks:
                    await accounts_service.admin_update_user(session, actor, int(pk), **change)
        except VitrinaError as error:
            report(request, error)
        else:
            done(request, f"{len(pks)} user(s): {label}.")
        return back_to(request, self, pks)

    @action(name="make-staff", label="Make staff")
    async def make_staff(self, request: Request) -> Response:
        return await self._update(request, "role:staff", role=Role.STAFF)

    @action(name="make-customer", label="Make customer")
    async def make_customer(self, request: Request) -> Response:
        return await self._update(request, "role:customer", role=Role.CUSTOMER)

    @action(name="make-admin", label="Make admin")
    async def make_admin(self, request: Request) -> Response:
        return await self._update(request, "role:admin", role=Role.ADMIN)

    @action(name="deactivate", label="Deactivate", confirmation_message="Deactivate?")
    async def deactivate(self, request: Request) -> Response:
        return await self._update(request, "deactivate", is_active=False)

    @action(name="activate", label="Activate")
    async def activate(self, request: Request) -> Response:
        return await self._update(request, "activate", is_active=True)


class AuditAdmin(StaffView, model=AuditEntry):
    name = "Audit entry"
    name_plural = "Audit log"
    icon = "fa-solid fa-clipboard-list"
    can_create = False
    can_edit = False
    can_delete = False
    column_list = (
        AuditEntry.id,
        AuditEntry.created_at,
        AuditEntry.actor_id,
        AuditEntry.action,
        AuditEntry.entity_type,
        AuditEntry.entity_id,
        AuditEntry.after,
    )
    column_searchable_list = (AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.action)
    column_sortable_list = (AuditEntry.id, AuditEntry.created_at)
    column_default_sort = (AuditEntry.id, True)
    column_filters: ClassVar[list[Any]] = [
        AllUniqueStringValuesFilter(AuditEntry.entity_type, title="Entity"),
        AllUniqueStringValuesFilter(AuditEntry.action, title="Action"),
    ]
