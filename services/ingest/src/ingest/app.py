"""Composition root of the ingest service (the channel edge)."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse
from livechat_shared.auth import Permission
from livechat_shared.bus import INGEST_OUTBOUND, PublishNotConfirmedError
from livechat_shared.events import WebchatMessageStoredV1
from livechat_shared.http import ApiError, CurrentUser, Runtime, create_service_app, not_found
from livechat_shared.ids import new_id
from pydantic import ValidationError

from .domain import AppCreate, SessionCreate, WebchatMessage, new_visitor_id, public_app
from .repositories import AppRepository, InboundKeyRepository, MailboxRepository, SessionRepository
from .service import IngestService, webchat_frame
from .settings import Settings
from .webchat import WebchatHub


def create_app(settings: Settings) -> object:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    service = IngestService(
        apps=AppRepository(mongo),
        sessions=SessionRepository(mongo, timedelta(seconds=settings.webchat_session_ttl_seconds)),
        inbound_keys=InboundKeyRepository(mongo),
        mailbox=MailboxRepository(mongo),
        publisher=runtime.publisher,
        hub=WebchatHub(),
    )
    runtime.consumers.durable(INGEST_OUTBOUND, service.on_outbound_requested)
    runtime.consumers.exclusive(
        f"ingest.webchat-live.{new_id()}", (WebchatMessageStoredV1.routing_key(),), service.on_webchat_stored
    )
    runtime.on_stop.append(service.hub.close_all)

    app = create_service_app(runtime, title="livechat ingest", description="The channel edge")
    app.state.service = service
    app.include_router(router)
    return app


def _service(request: Request) -> IngestService:
    return request.app.state.service


Service = Annotated[IngestService, Depends(_service)]
router = APIRouter()


def _correlation(request: Request) -> str | None:
    return request.headers.get("x-correlation-id")


# --- apps (admin) -----------------------------------------------------------------------------


@router.post("/v1/apps", status_code=201, tags=["apps"])
async def create_channel_app(body: AppCreate, user: CurrentUser, service: Service) -> dict:
    if not user.has(Permission.SETTINGS):
        raise ApiError(403, "forbidden", "changing channel apps needs the settings permission")
    doc, api_key = await service.apps.create(user.workspace_id, body)
    out = public_app(doc)
    if api_key:
        out["api_key"] = api_key
    return out


@router.get("/v1/apps", tags=["apps"])
async def list_channel_apps(
    user: CurrentUser,
    service: Service,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    docs, total = await service.apps.list(user.workspace_id, (page - 1) * page_size, page_size)
    return {"items": [public_app(d) for d in docs], "total": total, "page": page, "page_size": page_size}


@router.get("/v1/apps/{app_id}", tags=["apps"])
async def read_channel_app(app_id: str, user: CurrentUser, service: Service) -> dict:
    doc = await service.apps.get(app_id)
    if doc is None or doc["workspace_id"] != user.workspace_id:
        raise not_found("app")
    return public_app(doc)


# --- webchat (the person) ---------------------------------------------------------------------


@router.get("/webchat/{app_id}", include_in_schema=False)
async def webchat_page(app_id: str, service: Service) -> HTMLResponse:
    """A minimal Webchat page for trying the suite in a browser (the widget a site would embed)."""
    await service.webchat_app(app_id)
    return HTMLResponse((files("ingest") / "static" / "webchat.html").read_text(encoding="utf-8"))


@router.post("/v1/webchat/{app_id}/sessions", status_code=201, tags=["webchat"])
async def start_webchat_session(app_id: str, body: SessionCreate, service: Service) -> dict:
    app = await service.webchat_app(app_id)
    visitor_id = body.visitor_id or new_visitor_id()
    token = await service.sessions.create(app, visitor_id, body.name, body.language)
    return {"session_token": token, "visitor_id": visitor_id}


@router.post("/v1/webchat/{app_id}/messages", status_code=202, tags=["webchat"])
async def send_webchat_message(
    app_id: str,
    body: WebchatMessage,
    request: Request,
    service: Service,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    token = (authorization or "").removeprefix("Bearer ").strip() or None
    app, session = await service.webchat_session(app_id, token)
    try:
        accepted = await service.accept_webchat_message(app, session, body, _correlation(request))
    except PublishNotConfirmedError as exc:
        raise ApiError(503, "broker_unavailable", "the message could not be accepted; retry later") from exc
    return JSONResponse(
        {"status": "accepted" if accepted else "duplicate", "client_message_id": body.client_message_id},
        status_code=202,
    )


@router.websocket("/v1/webchat/{app_id}/ws")
async def webchat_socket(websocket: WebSocket, app_id: str, token: str | None = None, after: int = 0) -> None:
    """The person's live connection. ``after`` is the last ``cursor`` they saw: what came later is
    sent first, then new messages as they are stored."""
    service: IngestService = websocket.app.state.service
    try:
        app, session = await service.webchat_session(app_id, token)
    except ApiError as exc:
        await websocket.close(code=1008, reason=exc.code)
        return
    visitor_id = session["visitor_id"]
    await websocket.accept()
    service.hub.add(app_id, visitor_id, websocket)
    try:
        for stored in await service.mailbox.since(app_id, visitor_id, after):
            await websocket.send_json(webchat_frame(stored["cursor"], stored["message"]))
            with contextlib.suppress(PublishNotConfirmedError):  # best effort: the message did arrive
                await service.report_delivery(app["workspace_id"], app_id, stored["message"], "delivered")
        while True:
            await websocket.send_json(
                await _socket_frame(service, app, session, await websocket.receive_text())
            )
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        service.hub.remove(app_id, visitor_id, websocket)


async def _socket_frame(service: IngestService, app: dict, session: dict, text: str) -> dict:
    try:
        frame = json.loads(text)
    except ValueError:
        return {"type": "error", "error": {"code": "invalid_json", "message": "frames are JSON objects"}}
    if not isinstance(frame, dict) or frame.get("type") != "message":
        return {"type": "error", "error": {"code": "unknown_frame", "message": "send {type: 'message', ...}"}}
    try:
        message = WebchatMessage.model_validate({k: v for k, v in frame.items() if k != "type"})
    except ValidationError as exc:
        return {
            "type": "error",
            "error": {"code": "validation_failed", "message": str(exc.errors()[0]["msg"])},
        }
    try:
        accepted = await service.accept_webchat_message(app, session, message, None)
    except PublishNotConfirmedError:
        return {
            "type": "error",
            "client_message_id": message.client_message_id,
            "error": {"code": "broker_unavailable", "message": "retry later"},
        }
    return {
        "type": "ack",
        "client_message_id": message.client_message_id,
        "status": "accepted" if accepted else "duplicate",
    }
