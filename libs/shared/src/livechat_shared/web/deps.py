"""FastAPI dependencies that authenticate the caller (``Annotated`` aliases for short signatures)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket

from ..auth import InvalidTokenError, Principal
from ..runtime import Runtime
from .errors import ApiError


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def current_user(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "a bearer token is required")
    try:
        return await runtime_of(request).verifier.verify(token.strip())
    except InvalidTokenError as exc:
        raise ApiError(401, "invalid_token", "the bearer token is invalid or expired") from exc


async def websocket_user(websocket: WebSocket, token: str | None) -> Principal | None:
    """Verify a WebSocket's ``?token=``; ``None`` when it is missing or bad (the caller closes 1008)."""
    if not token:
        return None
    runtime: Runtime = websocket.app.state.runtime
    try:
        return await runtime.verifier.verify(token)
    except InvalidTokenError:
        return None


CurrentUser = Annotated[Principal, Depends(current_user)]
