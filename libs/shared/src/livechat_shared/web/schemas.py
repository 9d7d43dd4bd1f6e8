"""Response and parameter shapes every service's API shares."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel

from ..pagination import Page, PageParams

__all__ = ["ERROR_RESPONSES", "ErrorDetail", "ErrorResponse", "Page", "PageParams", "Paging"]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    """Every 4xx/5xx body: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail


MAX_PAGE = 100_000
"""Pages beyond this are refused (422) rather than handed to the database as a huge skip."""


def _page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 50
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


Paging = Annotated[PageParams, Depends(_page_params)]
"""``page`` (from 1) and ``page_size`` (1-200, default 50) query parameters."""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 412, 413, 422, 429, 503)
}
"""Declared on every router, so the OpenAPI document shows the error body."""


def inline_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its definitions inlined, for an operation's ``openapi_extra``:
    pydantic puts nested models in a ``$defs`` of the schema's own, which an OpenAPI document cannot
    resolve (its references point into ``#/components``). Models that nest themselves cannot be
    inlined and are refused."""
    schema = model.model_json_schema()
    definitions: dict[str, Any] = schema.pop("$defs", {})

    def inlined(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:
                    raise ValueError(f"{model.__name__} nests {name} in itself: it cannot be inlined")
                return inlined(definitions[name], seen | {name})
            return {key: inlined(value, seen) for key, value in node.items()}
        if isinstance(node, list):
            return [inlined(item, seen) for item in node]
        return node

    result: dict[str, Any] = inlined(schema, frozenset())
    return result
