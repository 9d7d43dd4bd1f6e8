"""HTTP and WebSocket routes of webchat (the person's side, no agent token)."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from livechat_shared.errors import DomainError
from livechat_shared.web import ERROR_RESPONSES

from .schemas import Accepted, SessionCreate, SessionOut, WebchatMessage
from .use_cases import WebchatUseCases


def _use_cases(request: Request) -> WebchatUseCases:
    use_cases: WebchatUseCases = request.app.state.webchat
    return use_cases


UseCases = Annotated[WebchatUseCases, Depends(_use_cases)]
router = APIRouter(tags=["webchat"], responses=ERROR_RESPONSES)


@router.get("/webchat/{app_id}", include_in_schema=False)
async def webchat_page(app_id: str, use_cases: UseCases) -> HTMLResponse:
    """A minimal Webchat page for trying the suite in a browser (the widget a site would embed)."""
    await use_cases.app(app_id)
    return HTMLResponse((files("ingest.webchat") / "static" / "webchat.html").read_text(encoding="utf-8"))


@router.post("/v1/webchat/{app_id}/sessions", status_code=201)
async def start_webchat_session(app_id: str, body: SessionCreate, use_cases: UseCases) -> SessionOut:
    return await use_cases.start_session(app_id, body)


@router.post("/v1/webchat/{app_id}/messages", status_code=202)
async def send_webchat_message(
    app_id: str,
    body: WebchatMessage,
    request: Request,
    use_cases: UseCases,
    authorization: Annotated[str | None, Header()] = None,
) -> Accepted:
    """Accepted once the broker confirmed it; a resend of a ``client_message_id`` is a ``duplicate``."""
    token = (authorization or "").removeprefix("Bearer ").strip() or None
    correlation_id = request.headers.get("x-correlation-id")
    status = await use_cases.send(app_id, token, body, correlation_id)
    return Accepted(status=status, client_message_id=body.client_message_id)


@router.websocket("/v1/webchat/{app_id}/ws")
async def webchat_socket(websocket: WebSocket, app_id: str, token: str | None = None, after: int = 0) -> None:
    """The person's live connection. ``after`` is the last ``cursor`` they saw: what came later is
    sent first, then new messages as they are stored."""
    use_cases: WebchatUseCases = websocket.app.state.webchat
    try:
        visitor = await use_cases.visitor(app_id, token)
    except DomainError as exc:
        await websocket.close(code=1008, reason=exc.code)
        return
    await websocket.accept()
    try:
        await use_cases.connect(visitor, websocket, after)
        while True:
            frame = await use_cases.receive_frame(visitor, await websocket.receive_text())
            await websocket.send_json(frame.model_dump(mode="json"))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        use_cases.disconnect(visitor, websocket)
