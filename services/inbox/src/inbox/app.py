"""Composition root of the inbox service (system of record, agent API and realtime stream)."""

from __future__ import annotations

from fastapi import FastAPI
from livechat_shared.ids import new_id
from livechat_shared.runtime import Runtime
from livechat_shared.topology import INBOX_DELIVERIES, INBOX_DIRECTORY, INBOX_INBOUND
from livechat_shared.web import create_service_app
from livechat_shared.writer import Writer

from .chats import routes as chat_routes
from .chats.repository import ChatQueries
from .chats.use_cases import ChatUseCases
from .core.store import ChatStore, MessageStore
from .errors import HTTP_STATUS, WriteConflict
from .inbound.handlers import on_message_received
from .inbound.repository import CurrentChatRepository, PersonRepository
from .inbound.use_cases import InboundUseCases
from .messages import routes as message_routes
from .messages.handlers import on_delivery_updated
from .messages.repository import MessageRepository
from .messages.use_cases import MessageUseCases
from .realtime import routes as stream_routes
from .realtime.handlers import on_chat_event
from .realtime.hub import StreamHub
from .realtime.rules import STREAM_KEYS
from .settings import Settings


class _Messages(MessageStore, MessageRepository):
    """The messages collection as the messages feature sees it: core writes plus its own queries."""


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    outbox = runtime.relayed_outbox()
    writer = Writer(mongo, outbox, conflict=WriteConflict)
    chat_store, message_store = ChatStore(mongo), MessageStore(mongo)
    hub = StreamHub()

    inbound_use_cases = InboundUseCases(
        people=PersonRepository(mongo),
        chats=CurrentChatRepository(mongo),
        messages=message_store,
        writer=writer,
    )
    message_use_cases = MessageUseCases(chats=chat_store, messages=_Messages(mongo), writer=writer)
    chat_use_cases = ChatUseCases(chats=chat_store, queries=ChatQueries(mongo))

    runtime.consumers.durable(INBOX_INBOUND, on_message_received(inbound_use_cases))  # every partition
    runtime.consumers.durable(INBOX_DELIVERIES, on_delivery_updated(message_use_cases))
    runtime.keep_directory_copy(INBOX_DIRECTORY)
    runtime.consumers.exclusive(f"inbox.stream.{new_id()}", STREAM_KEYS, on_chat_event(hub))

    runtime.on_stop.append(hub.close_all)

    app = create_service_app(
        runtime, title="livechat inbox", description="Chats, messages and the agent API", errors=HTTP_STATUS
    )
    app.state.chats, app.state.messages, app.state.inbound = (
        chat_use_cases,
        message_use_cases,
        inbound_use_cases,
    )
    app.state.hub, app.state.outbox = hub, outbox
    for router in (chat_routes.router, message_routes.router, stream_routes.router):
        app.include_router(router)
    return app
