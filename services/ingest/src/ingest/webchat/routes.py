"""HTTP and WebSocket routes of webchat (the person's side, no agent token)."""

from __future__ import annotations

import asyncio
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse, Response
from livechat_shared.errors import DomainError, RateLimited
from livechat_shared.web import ERROR_RESPONSES, ErrorResponse, bearer_token
from livechat_shared.web.deps import client_address
from livechat_shared.web.errors import error_body, status_of
from starlette.websockets import WebSocketState

from ..errors import HTTP_STATUS
from .schemas import Accepted, SessionCreate, SessionOut, WebchatMessage
from .use_cases import Visitor, WebchatUseCases

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
    "img-src 'self' data: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The demo page's policy: its own script and style files only, sockets and fetches to its origin."""
STATIC = {"webchat.js": "text/javascript; charset=utf-8", "webchat.css": "text/css; charset=utf-8"}
SESSION_EXPIRED = 4001
"""The close code of a socket whose session expired (the person starts or proves a new one)."""


async def _use_cases(request: Request) -> WebchatUseCases:
    """``async``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request."""
    use_cases: WebchatUseCases = request.app.state.webchat
    return use_cases


UseCases = Annotated[WebchatUseCases, Depends(_use_cases)]
Authorization = Annotated[
    str | None,
    Header(description="`Bearer <session_token>`", max_length=4096),
]
router = APIRouter(tags=["webchat"], responses={**ERROR_RESPONSES, 429: {"model": ErrorResponse}})


@router.get("/webchat/{app_id}", include_in_schema=False)
async def webchat_page(app_id: str, use_cases: UseCases) -> HTMLResponse:
    """A minimal Webchat page for trying the suite in a browser (the widget a site would embed)."""
    await use_cases.app(app_id)
    page = (files("ingest.webchat") / "static" / "webchat.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"})


@router.get("/webchat/static/{name}", include_in_schema=False)
async def webchat_asset(name: str) -> Response:
    """The demo page's script and style sheet."""
    if name not in STATIC:
        raise HTTPException(404, "no such file")
    body = (files("ingest.webchat") / "static" / name).read_text(encoding="utf-8")
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})


@router.post("/v1/webchat/{app_id}/sessions", status_code=201)
async def start_webchat_session(
    app_id: str,
    body: SessionCreate,
    request: Request,
    use_cases: UseCases,
    authorization: Authorization = None,
) -> SessionOut:
    """Start a person's session. Without ``visitor_id``: a new visitor. With one, proof is needed
    (else 403 ``visitor_unverified``): ``Authorization: Bearer`` a live session token of that
    visitor, or ``visitor_hash`` (identity verification). 429 past the per-address or per-app limit."""
    return await use_cases.start_session(
        app_id, body, address=client_address(request), proof_token=bearer_token(authorization)
    )


@router.post("/v1/webchat/{app_id}/messages", status_code=202)
async def send_webchat_message(
    app_id: str,
    body: WebchatMessage,
    request: Request,
    use_cases: UseCases,
    authorization: Authorization = None,
) -> Accepted:
    """Accepted once the broker confirmed it; a resend of a ``client_message_id`` is a ``duplicate``.
    429 past the per-visitor or per-app message limit."""
    correlation_id = request.headers.get("x-correlation-id")
    status = await use_cases.send(app_id, bearer_token(authorization), body, correlation_id)
    return Accepted(status=status, client_message_id=body.client_message_id, notice=use_cases.notice(status))


@router.websocket("/v1/webchat/{app_id}/ws")
async def webchat_socket(
    websocket: WebSocket, app_id: str, token: str | None = None, after: str | None = None
) -> None:
    """The person's live connection. ``after`` is the last ``cursor`` they saw: what came later is
    sent first, then new messages as they are stored. Every frame they send is answered (an ack or
    an error frame); the socket is closed with 4001 ``session_expired`` when the session expires."""
    use_cases: WebchatUseCases = websocket.app.state.webchat
    try:
        visitor, cursor = await use_cases.open_socket(app_id, token, after, address=client_address(websocket))
    except DomainError as exc:
        await _refuse(websocket, exc)
        return
    await websocket.accept()
    try:
        await use_cases.connect(visitor, websocket, cursor)
        while await _answer_next_frame(websocket, use_cases, visitor):
            pass
    except WebSocketDisconnect:
        pass
    finally:
        use_cases.disconnect(visitor, websocket)


async def _answer_next_frame(websocket: WebSocket, use_cases: WebchatUseCases, visitor: Visitor) -> bool:
    """Wait for the person's next frame and answer it; False once the socket is done with (the
    person left, or their session expired and the socket was closed with 4001)."""
    try:
        message = await asyncio.wait_for(websocket.receive(), use_cases.seconds_left(visitor))
    except TimeoutError:
        await websocket.close(code=SESSION_EXPIRED, reason="session_expired")
        return False
    if message["type"] == "websocket.disconnect":
        return False
    frame = await use_cases.receive_frame(visitor, message.get("text"))
    if websocket.application_state is not WebSocketState.CONNECTED:  # closed meanwhile (a failed push)
        return False
    await websocket.send_text(frame.model_dump_json())  # one pass to JSON (not a dict, then json.dumps)
    return True


async def _refuse(websocket: WebSocket, exc: DomainError) -> None:
    """Refuse a handshake with the API's error answer (status, body, ``Retry-After``) where the server
    can send one; otherwise close with 1013 when rate limited, 1008 else, the error code as reason."""
    if "websocket.http.response" not in websocket.scope.get("extensions", {}):
        await websocket.close(code=1013 if isinstance(exc, RateLimited) else 1008, reason=exc.code)
        return
    headers: dict[str, Any] = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
    await websocket.send_denial_response(
        JSONResponse(
            error_body(exc.code, exc.message, **exc.details),
            status_code=status_of(exc, HTTP_STATUS),
            headers=headers,
        )
    )
