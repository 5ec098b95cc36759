"""A query string validated as one pydantic model, and its OpenAPI parameters.

FastAPI can take a model as query parameters (`Annotated[Model, Query()]`), but it then
validates field by field through its own machinery: on the product list that was a fifth of
the request's CPU. `query_model` validates the whole query string with the model in one call
and answers a bad value exactly as FastAPI would (a `RequestValidationError`, 422, each
error's `loc` starting with "query"); `openapi_query` documents the same fields, for the
route's `openapi_extra`, so the schema stays what FastAPI would have written.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def query_model(model: type[M], request: Request) -> M:
    """The request's query string as `model` (the last value of a repeated name counts)."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from None


def openapi_query(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route taking `model` from its query string."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    parameters = []
    for name, field in model.model_fields.items():
        parameter: dict[str, Any] = {
            "name": field.alias or name,
            "in": "query",
            "required": field.is_required(),
            "schema": _inlined(schema["properties"][name], definitions),
        }
        if field.description:
            parameter["description"] = field.description
        parameters.append(parameter)
    return {"parameters": parameters}


def _inlined(node: Any, definitions: dict[str, Any]) -> Any:
    """`node` with its `$ref`s to the model's own definitions replaced by their content."""
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref", "")
    if reference.startswith("#/$defs/"):
        return _inlined(definitions[reference.removeprefix("#/$defs/")], definitions)
    return {key: _inlined(value, definitions) for key, value in node.items()}
