"""The HTTP side every service shares: app factory, error rendering, limits, auth dependencies."""

from ..errors import ErrorStatuses
from .app import create_service_app
from .cors import PathCORS
from .deps import CurrentUser, bearer_token, current_user, websocket_user
from .errors import ApiError, error_body, install_error_handlers
from .schemas import ERROR_RESPONSES, ErrorResponse, Page, PageParams, Paging, inline_json_schema

__all__ = [
    "ERROR_RESPONSES",
    "ApiError",
    "CurrentUser",
    "ErrorResponse",
    "ErrorStatuses",
    "Page",
    "PageParams",
    "Paging",
    "PathCORS",
    "bearer_token",
    "create_service_app",
    "current_user",
    "error_body",
    "inline_json_schema",
    "install_error_handlers",
    "websocket_user",
]
