"""The admin application: sqladmin with Vitrina's language, templates, CSRF and dashboard."""

from __future__ import annotations

from pathlib import Path
from types import MethodType
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader
from sqladmin import Admin, BaseView, ModelView
from sqladmin.authentication import login_required
from sqladmin.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from vitrina.admin import csrf, i18n
from vitrina.admin.dashboard import dashboard_context
from vitrina.config import get_settings
from vitrina.storefront.i18n import LANGUAGES

TEMPLATES_ROOT = Path(__file__).resolve().parent.parent / "templates"


class VitrinaAdmin(Admin):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["middlewares"] = [Middleware(i18n.AdminLocaleMiddleware)]
        super().__init__(*args, **kwargs)

    def init_templating_engine(self) -> Jinja2Templates:
        templates = super().init_templating_engine()
        env = templates.env
        assert isinstance(env.loader, ChoiceLoader)
        env.loader.loaders = [*env.loader.loaders, FileSystemLoader(TEMPLATES_ROOT)]
        env.install_gettext_callables(  # type: ignore[attr-defined]
            i18n.gettext, i18n.ngettext, newstyle=True
        )
        env.globals.update(
            csrf_token=csrf.token_for,
            money=i18n.money,
            moment=i18n.moment,
            address=i18n.address,
            language=i18n.language,
            languages=LANGUAGES,
            demo_mode=get_settings().demo,
            store_name=get_settings().store_name,
        )
        return templates

    def _handle_action_decorated_func(
        self,
        func: MethodType,
        view: type[BaseView | ModelView],
        view_instance: BaseView | ModelView,
    ) -> None:
        """As sqladmin's, but an action is a POST (with the CSRF token), never a GET link."""
        if not hasattr(func, "_action"):
            return
        assert isinstance(view_instance, ModelView)
        slug = func._slug  # type: ignore[attr-defined]
        self.admin.add_route(
            route=func,
            path=f"/{view_instance.identity}/action/{slug}",
            methods=["POST"],
            name=f"action-{view_instance.identity}-{slug}",
            include_in_schema=False,
        )
        if func._add_in_list:  # type: ignore[attr-defined]
            view_instance._custom_actions_in_list[slug] = func._label  # type: ignore[attr-defined]
        if func._add_in_detail:  # type: ignore[attr-defined]
            view_instance._custom_actions_in_detail[slug] = func._label  # type: ignore[attr-defined]
        if func._confirmation_message:  # type: ignore[attr-defined]
            view_instance._custom_actions_confirmation[slug] = func._confirmation_message  # type: ignore[attr-defined]

    @staticmethod
    async def _handle_form_data(request: Request, obj: Any = None) -> FormData:
        """The form as sent. (sqladmin's version re-reads a model's file column for an empty
        upload; Vitrina's images are rows of their own, so a product has no such column and
        saving without a new image failed with AttributeError.)"""
        return await request.form()

    @login_required
    async def index(self, request: Request) -> Response:
        context = await dashboard_context(request)
        return await self.templates.TemplateResponse(request, "dashboard.html", context)
