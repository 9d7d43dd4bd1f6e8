"""FastAPI dependencies that authenticate the caller (``Annotated`` aliases for short signatures).

A bearer token proves who the caller is; the service's directory says what they may do. Refused
tokens are counted per client address: past ``rate_auth_failures_per_minute`` the answer is 429.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket
from starlette.requests import HTTPConnection

from ..auth import InvalidTokenError, Principal, principal_for
from ..errors import RateLimited
from ..ratelimit import Limit
from ..runtime import Runtime
from .errors import ApiError


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


def client_address(connection: HTTPConnection) -> str:
    """The caller's address (behind the proxy, the one it forwarded: uvicorn's ``proxy_headers``)."""
    return connection.client.host if connection.client else "unknown"


async def _refused(connection: HTTPConnection, runtime: Runtime) -> None:
    """Count a refused token for the caller's address; raises RateLimited past the limit."""
    limit = Limit(runtime.settings.rate_auth_failures_per_minute, 60, "refused tokens")
    await runtime.limiter.hit(client_address(connection), limit)


async def authenticate(connection: HTTPConnection, token: str) -> Principal | None:
    """The caller behind ``token`` as the directory knows them, or ``None`` (counted as refused)."""
    runtime = runtime_of(connection)
    try:
        identity = await runtime.verifier.verify(token)
    except InvalidTokenError:
        await _refused(connection, runtime)
        return None
    user = await runtime.directory.user(identity.user_id) if runtime.directory else None
    principal = principal_for(identity, user)
    if principal is None:
        await _refused(connection, runtime)
    return principal


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (``None``: absent or another scheme)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


async def current_user(request: Request) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise ApiError(401, "unauthorized", "a bearer token is required")
    principal = await authenticate(request, token)
    if principal is None:
        raise ApiError(
            401, "invalid_token", "the bearer token is invalid or expired, or its user is not active"
        )
    return principal


async def websocket_user(websocket: WebSocket, token: str | None) -> Principal | None:
    """Verify a WebSocket's ``?token=``; ``None`` when it is missing, bad or the caller's address is
    refused for too many bad tokens (the caller closes 1008)."""
    try:
        return await authenticate(websocket, token) if token else None
    except RateLimited:
        return None


CurrentUser = Annotated[Principal, Depends(current_user)]
