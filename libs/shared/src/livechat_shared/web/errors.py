"""Errors as the API shows them: ``{"error": {"code", "message"}}`` with a fitting status.

A service maps its domain errors to statuses once (``install_error_handlers(app, statuses)``);
:class:`ApiError` is for what only the HTTP layer knows (a missing bearer header, a bad cursor).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import DomainError, ErrorStatuses, RateLimited
from ..telemetry import get_logger

log = get_logger(__name__)


class ApiError(Exception):
    """An error of the HTTP layer the client can act on: rendered as ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def status_of(exc: DomainError, statuses: ErrorStatuses) -> int:
    """The status of the nearest mapped class in ``exc``'s hierarchy (400 when none is mapped)."""
    for cls in type(exc).__mro__:
        if cls in statuses:
            return statuses[cls]
    return 429 if isinstance(exc, RateLimited) else 400


def install_error_handlers(app: FastAPI, statuses: ErrorStatuses) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return JSONResponse(
            error_body(exc.code, exc.message, **exc.details),
            status_code=status_of(exc, statuses),
            headers=headers,
        )

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, **exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        malformed = any(p["type"] == "json_invalid" for p in problems)
        code, message = (
            ("invalid_json", "request body is not valid JSON")
            if malformed
            else ("validation_failed", "request failed validation")
        )
        return JSONResponse(
            error_body(code, message, problems=problems), status_code=422 if not malformed else 400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
