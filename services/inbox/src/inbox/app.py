"""Composition root of the inbox service (system of record, agent API and realtime stream)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from livechat_shared.bus import INBOX_DELIVERIES, INBOX_INBOUND, REALTIME_KEYS
from livechat_shared.http import ApiError, CurrentUser, Runtime, create_service_app, websocket_user
from livechat_shared.idempotency import ProcessedEvents
from livechat_shared.ids import new_id
from livechat_shared.outbox import Outbox

from .domain import ReplyCreate, message_view, parse_sync_cursor, snapshot, sync_cursor, visibility_filter
from .realtime import StreamHub
from .repositories import ChatRepository, MessageRepository, PersonRepository
from .service import InboxService
from .settings import Settings


def create_app(settings: Settings) -> object:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    outbox = Outbox(mongo, runtime.publisher, poll_seconds=settings.outbox_poll_seconds)
    service = InboxService(
        mongo=mongo,
        people=PersonRepository(mongo),
        chats=ChatRepository(mongo),
        messages=MessageRepository(mongo),
        processed=ProcessedEvents(mongo),
        outbox=outbox,
    )
    hub = StreamHub()
    runtime.consumers.durable(INBOX_INBOUND, service.on_message_received)
    runtime.consumers.durable(INBOX_DELIVERIES, service.on_delivery_updated)
    runtime.consumers.exclusive(f"inbox.stream.{new_id()}", REALTIME_KEYS, hub.on_event)

    async def start_relay() -> None:
        outbox.start()

    runtime.on_start.append(start_relay)
    runtime.on_stop.extend([outbox.stop, hub.close_all])

    app = create_service_app(runtime, title="livechat inbox", description="Chats, messages and the agent API")
    app.state.service = service
    app.state.hub = hub
    app.include_router(router)
    return app


def _service(request: Request) -> InboxService:
    return request.app.state.service


Service = Annotated[InboxService, Depends(_service)]
router = APIRouter()


@router.get("/v1/chats", tags=["chats"])
async def list_chats(
    user: CurrentUser,
    service: Service,
    status: Annotated[
        list[Literal["open", "pending", "overdue", "resolved", "closed"]] | None, Query()
    ] = None,
    mode: Annotated[list[Literal["ai", "live"]] | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    query = visibility_filter(user)
    if status:
        query["status"] = {"$in": status}
    if mode:
        query["mode"] = {"$in": mode}
    docs, total = await service.chats.page(query, (page - 1) * page_size, page_size)
    return {
        "items": [snapshot(d).model_dump(mode="json") for d in docs],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.get("/v1/chats/{chat_id}", tags=["chats"])
async def read_chat(chat_id: str, user: CurrentUser, service: Service) -> dict:
    return snapshot(await service.visible_chat(user, chat_id)).model_dump(mode="json")


@router.get("/v1/chats/{chat_id}/messages", tags=["messages"])
async def list_messages(
    chat_id: str,
    user: CurrentUser,
    service: Service,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    await service.visible_chat(user, chat_id)
    docs = await service.messages.after(chat_id, after_seq, limit)
    items = [message_view(d).model_dump(mode="json") for d in docs]
    return {
        "items": items,
        "total": await service.messages.count(chat_id),
        "page": 1,
        "page_size": limit,
        "next_after_seq": items[-1]["seq"] if items else after_seq,
    }


@router.post("/v1/chats/{chat_id}/messages", status_code=201, tags=["messages"])
async def reply(
    chat_id: str,
    body: ReplyCreate,
    request: Request,
    user: CurrentUser,
    service: Service,
    takeover: bool = False,
) -> JSONResponse:
    message, created = await service.reply(
        user, chat_id, body, takeover=takeover, correlation_id=request.headers.get("x-correlation-id")
    )
    return JSONResponse(message_view(message).model_dump(mode="json"), status_code=201 if created else 200)


@router.get("/v1/sync", tags=["chats"])
async def sync(
    user: CurrentUser,
    service: Service,
    since: Annotated[str, Query(description="a cursor from the previous page, or an ISO time to start")],
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict:
    """Chats (visible to the user) changed after ``since``, oldest change first, each as its latest
    snapshot; pass ``cursor`` back to continue. A client that missed stream frames resyncs here."""
    try:
        at, after_id = parse_sync_cursor(since)
    except ValueError as exc:
        raise ApiError(422, "invalid_cursor", "since must be a cursor or an ISO-8601 time") from exc
    docs = await service.chats.changed_since(visibility_filter(user), at, after_id, limit)
    return {
        "items": [snapshot(d).model_dump(mode="json") for d in docs],
        "cursor": sync_cursor(docs[-1]) if docs else since,
        "more": len(docs) == limit,
    }


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket, token: str | None = None) -> None:
    user = await websocket_user(websocket, token)
    if user is None:
        await websocket.close(code=1008, reason="invalid_token")
        return
    hub: StreamHub = websocket.app.state.hub
    await websocket.accept()
    hub.add(websocket, user)
    try:
        while True:
            await websocket.receive_text()  # the stream is one-way; reads detect the close
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(websocket)
