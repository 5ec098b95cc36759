"""Users (created, edited and deleted through the accounts services) and the audit log."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from markupsafe import Markup, escape
from sqladmin import action
from starlette.requests import Request
from starlette.responses import Response
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    PasswordField,
    SelectField,
    StringField,
    validators,
)

from vitrina.accounts import removal
from vitrina.accounts import service as accounts_service
from vitrina.accounts.models import Role, User
from vitrina.admin.base import (
    ReadOnlyView,
    StaffView,
    ValuesFilter,
    audited,
    back_to,
    done,
    report,
    selected_pks,
)
from vitrina.admin.forms import CHECK, CONTROL, SELECT, AdminForm, detail_text, not_saved
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy, moment
from vitrina.admin.labels import ACTION_LABELS, ENTITY_LABELS, N_, ROLE_LABELS
from vitrina.audit.models import AuditEntry
from vitrina.errors import Forbidden, VitrinaError

EMAIL_TAKEN = {
    accounts_service.DUPLICATE_EMAIL: N_("An account with this email address already exists."),
    accounts_service.LOOK_ALIKE_EMAIL: N_(
        "An account with an email address that looks the same already exists."
    ),
}
"""The accounts service's refusals of an email, as the form says them next to the field."""
EMAIL_CHANGE_NOTE = N_(
    "Changed here, it takes effect at once, without a confirmation link; the previous "
    "address is told of the change."
)


def _role(model: User, _attribute: Any) -> str:
    return _(ROLE_LABELS[model.role.value])


def _require_admin(request: Request) -> User:
    actor: User = request.state.staff
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("Only administrators can change or delete users."))
    return actor


class UserAdmin(StaffView, model=User):
    name = lazy("User")
    name_plural = lazy("Users")
    icon = "fa-solid fa-users"
    column_list = (User.id, User.email, User.full_name, User.role, User.is_active, User.created_at)
    column_details_list = (
        User.id,
        User.email,
        User.full_name,
        User.role,
        User.is_active,
        User.locale,
        User.created_at,
        User.password_changed_at,
    )
    column_searchable_list = (User.email, User.full_name)
    column_sortable_list = (User.id, User.email, User.created_at)
    column_filters: ClassVar[list[Any]] = [ValuesFilter(User.role, lazy("Role"), ROLE_LABELS)]
    column_labels: ClassVar[dict[Any, Any]] = {
        User.id: "#",
        User.email: lazy("Email"),
        User.full_name: lazy("Full name"),
        User.role: lazy("Role"),
        User.is_active: lazy("Active"),
        User.locale: lazy("Language"),
        User.created_at: lazy("Registered"),
        User.password_changed_at: lazy("Password changed"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {User.role: _role}
    column_formatters_detail: ClassVar[dict[Any, Any]] = {User.role: _role}
    form_columns = ("email", "full_name", "role", "is_active")

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        roles = [(role.value, _(ROLE_LABELS[role.value])) for role in Role]
        creating = rules is self._form_create_rules

        class UserForm(AdminForm):
            email = EmailField(
                lazy("Email"),
                [
                    validators.InputRequired() if creating else validators.Optional(),
                    validators.Email(),
                    validators.Length(max=320),
                ],
                description=None if creating else lazy(EMAIL_CHANGE_NOTE),
                render_kw=CONTROL,
            )
            full_name = StringField(
                lazy("Full name"), [validators.Length(max=200)], render_kw=CONTROL
            )
            role = SelectField(lazy("Role"), choices=roles, render_kw=SELECT)
            is_active = BooleanField(lazy("Active (may log in)"), default=True, render_kw=CHECK)
            password = PasswordField(
                lazy("Password") if creating else lazy("New password (empty: unchanged)"),
                [validators.InputRequired()] if creating else [validators.Optional()],
                render_kw={**CONTROL, "autocomplete": "new-password"},
            )

        return UserForm

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        try:
            actor = _require_admin(request)
            async with audited() as session:
                user = await accounts_service.create_user(
                    session,
                    email=str(data.get("email") or ""),
                    password=str(data.get("password") or ""),
                    full_name=str(data.get("full_name") or ""),
                    role=Role(data.get("role") or Role.CUSTOMER.value),
                )
                if not data.get("is_active"):
                    await accounts_service.admin_update_user(
                        session, actor, user.id, is_active=False
                    )
        except VitrinaError as error:
            raise not_saved(error, EMAIL_TAKEN) from error
        return user

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        try:
            actor = _require_admin(request)
            async with audited() as session:
                user = await accounts_service.admin_update_user(
                    session,
                    actor,
                    int(pk),
                    role=Role(data.get("role") or Role.CUSTOMER.value),
                    is_active=bool(data.get("is_active")),
                )
                await accounts_service.update_profile(
                    session,
                    user,
                    full_name=str(data.get("full_name") or ""),
                    locale=None,
                    fields={"full_name"},
                )
                if data.get("email"):  # empty: unchanged
                    await accounts_service.admin_change_email(session, user, str(data["email"]))
                if data.get("password"):
                    await accounts_service.set_password(session, user, str(data["password"]))
        except VitrinaError as error:
            raise not_saved(error, EMAIL_TAKEN) from error
        return user

    async def delete_model(self, request: Request, pk: Any) -> None:
        try:
            actor = _require_admin(request)
            async with audited() as session:
                await removal.delete_user(session, actor, int(pk))
        except VitrinaError as error:
            raise ValueError(
                _("Not deleted: %(reason)s") % {"reason": detail_text(error)}
            ) from error

    async def _update(self, request: Request, label: str, **change: Any) -> Response:
        pks = selected_pks(request)
        try:
            actor = _require_admin(request)
            async with audited() as session:
                session.info["audit_manual"] = True  # the accounts service records it
                for pk in pks:
                    await accounts_service.admin_update_user(session, actor, int(pk), **change)
        except VitrinaError as error:
            report(request, error)
        else:
            done(request, _("%(count)d user(s) changed.") % {"count": len(pks)})
        return back_to(request, self, pks)

    @action(name="make-staff", label=lazy("Make staff"))
    async def make_staff(self, request: Request) -> Response:
        return await self._update(request, "role:staff", role=Role.STAFF)

    @action(name="make-customer", label=lazy("Make customer"))
    async def make_customer(self, request: Request) -> Response:
        return await self._update(request, "role:customer", role=Role.CUSTOMER)

    @action(name="make-admin", label=lazy("Make administrator"))
    async def make_admin(self, request: Request) -> Response:
        return await self._update(request, "role:admin", role=Role.ADMIN)

    @action(name="deactivate", label=lazy("Deactivate"), confirmation_message=lazy("Deactivate?"))
    async def deactivate(self, request: Request) -> Response:
        return await self._update(request, "deactivate", is_active=False)

    @action(name="activate", label=lazy("Activate"))
    async def activate(self, request: Request) -> Response:
        return await self._update(request, "activate", is_active=True)


def _actor(model: AuditEntry, _attribute: Any) -> Markup:
    if model.actor is None:
        return escape(_("Stripe or the store"))
    return Markup('<a href="/admin/user/details/{}">{}</a>').format(
        model.actor.id, model.actor.email
    )


ENTITY_VIEWS = {
    "Product": "product",
    "Category": "category",
    "DiscountCoupon": "discount-coupon",
    "User": "user",
    "Order": "order",
}


def _what(model: AuditEntry, _attribute: Any) -> str:
    return _(ACTION_LABELS.get(model.action, model.action))


def _which(model: AuditEntry, _attribute: Any) -> Markup:
    kind = _(ENTITY_LABELS.get(model.entity_type, model.entity_type))
    view = ENTITY_VIEWS.get(model.entity_type)
    if view is None or not model.entity_id.isdigit():
        return Markup("{} #{}").format(kind, model.entity_id)
    return Markup('<a href="/admin/{}/details/{}">{} #{}</a>').format(
        view, model.entity_id, kind, model.entity_id
    )


def _when(model: AuditEntry, _attribute: Any) -> str:
    return moment(model.created_at)


def _changes(model: AuditEntry, _attribute: Any) -> Markup:
    """Before → after per field, readable (not a JSON dump)."""
    before, after = model.before or {}, model.after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old = "" if key not in before else json.dumps(before[key], ensure_ascii=False)
        new = "" if key not in after else json.dumps(after[key], ensure_ascii=False)
        rows.append(
            Markup(
                "<tr><th>{}</th><td><del>{}</del></td><td>→</td><td><ins>{}</ins></td></tr>"
            ).format(key, old[:120], new[:120])
        )
    return Markup('<table class="audit-diff">{}</table>').format(Markup("").join(rows))


class AuditAdmin(ReadOnlyView, model=AuditEntry):
    name = lazy("Audit entry")
    name_plural = lazy("Audit log")
    icon = "fa-solid fa-clipboard-list"
    column_list = (
        AuditEntry.created_at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.entity_id,
        AuditEntry.after,
    )
    column_details_list = column_list
    non_link_related_fields: ClassVar[list[Any]] = [AuditEntry.actor]
    column_searchable_list = (AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.action)
    column_sortable_list = (AuditEntry.id, AuditEntry.created_at)
    column_default_sort = (AuditEntry.id, True)
    column_labels: ClassVar[dict[Any, Any]] = {
        AuditEntry.id: "#",
        AuditEntry.created_at: lazy("When"),
        AuditEntry.actor: lazy("Who"),
        AuditEntry.action: lazy("What"),
        AuditEntry.entity_type: lazy("Kind"),
        AuditEntry.entity_id: lazy("Which"),
        AuditEntry.after: lazy("Changes (before → after)"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {
        AuditEntry.actor: _actor,
        AuditEntry.created_at: _when,
        AuditEntry.after: _changes,
        AuditEntry.action: _what,
        AuditEntry.entity_id: _which,
    }
    column_formatters_detail = column_formatters
    column_filters: ClassVar[list[Any]] = [
        ValuesFilter(AuditEntry.entity_type, lazy("Kind"), ENTITY_LABELS),
        ValuesFilter(AuditEntry.action, lazy("What"), ACTION_LABELS),
    ]
