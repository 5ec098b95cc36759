"""Events (read-only) and webhook endpoints (each with its own `whsec_` secret)."""

from __future__ import annotations

import fnmatch
from typing import Any

from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.ids import new_id, random_part
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources.common import merge_metadata, unset_to_none
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, snapshot


def _type_matches(event_type: str, pattern: str) -> bool:
    """Stripe's `type` filter accepts a `*` wildcard (`checkout.session.*`)."""
    return fnmatch.fnmatchcase(event_type, pattern)


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.events.get(object_id)


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.events.newest_first()
    if "type" in params:
        rows = [e for e in rows if _type_matches(e["type"], params["type"])]
    if "types" in params:
        rows = [e for e in rows if any(_type_matches(e["type"], t) for t in params["types"])]
    return paginate(rows, params, "/v1/events", kind="event")


def _check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise invalid(f"Invalid URL: {url}", param="url", code="url_invalid")
    return url


def _check_events(events: list[str]) -> list[str]:
    if not events:
        raise invalid("enabled_events must not be empty.", param="enabled_events")
    return events


def endpoint_create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    endpoint_id = new_id("we")
    secret = f"whsec_{random_part(32)}"
    endpoint: StripeObject = {
        "id": endpoint_id,
        "object": "webhook_endpoint",
        "api_version": params.get("api_version"),
        "application": None,
        "created": ctx.now,
        "description": params.get("description"),
        "enabled_events": _check_events(params["enabled_events"]),
        "livemode": False,
        "metadata": merge_metadata({}, params.get("metadata")),
        "status": "enabled",
        "url": _check_url(params["url"]),
    }
    ctx.state.webhook_endpoints.add(endpoint)
    ctx.state.webhook_secrets[endpoint_id] = secret
    return {**snapshot(endpoint), "secret": secret}


def endpoint_retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.webhook_endpoints.get(object_id)


def endpoint_update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    endpoint = ctx.state.webhook_endpoints.get(object_id)
    if "url" in params:
        endpoint["url"] = _check_url(params["url"])
    if "enabled_events" in params:
        endpoint["enabled_events"] = _check_events(params["enabled_events"])
    if "disabled" in params:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    if "description" in params:
        endpoint["description"] = unset_to_none(params["description"])
    endpoint["metadata"] = merge_metadata(endpoint["metadata"], params.get("metadata"))
    return endpoint


def endpoint_delete(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    ctx.state.webhook_endpoints.get(object_id)
    ctx.state.webhook_endpoints.remove(object_id)
    ctx.state.webhook_secrets.pop(object_id, None)
    return {"id": object_id, "object": "webhook_endpoint", "deleted": True}


def endpoint_list(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.webhook_endpoints.newest_first()
    return paginate(rows, params, "/v1/webhook_endpoints", kind="webhook_endpoint")
