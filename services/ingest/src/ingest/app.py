"""Composition root of the ingest service (the channel edge): wiring only."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from livechat_shared.contracts import WebchatMessageStoredV1
from livechat_shared.directory import DirectoryCopy, on_user_changed
from livechat_shared.ids import new_id
from livechat_shared.runtime import Runtime
from livechat_shared.topology import INGEST_DIRECTORY, INGEST_OUTBOUND
from livechat_shared.web import create_service_app

from .apps import routes as app_routes
from .apps.use_cases import AppUseCases
from .core.inbound import InboundAcceptor
from .core.publishing import BusPublisher, DeliveryReporter
from .core.repository import AppRepository, InboundKeyRepository
from .errors import HTTP_STATUS
from .settings import Settings
from .webchat import routes as webchat_routes
from .webchat.handlers import on_outbound_requested, on_webchat_stored
from .webchat.hub import WebchatHub
from .webchat.repository import MailboxRepository, SessionRepository
from .webchat.use_cases import ReplyUseCases, WebchatLimits, WebchatUseCases


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    directory = DirectoryCopy(mongo)
    runtime.directory = directory
    runtime.consumers.durable(INGEST_DIRECTORY, on_user_changed(directory))
    publisher = BusPublisher(runtime.publisher)
    deliveries = DeliveryReporter(publisher)
    apps, mailbox, hub = AppRepository(mongo), MailboxRepository(mongo), WebchatHub()

    webchat = WebchatUseCases(
        apps=apps,
        sessions=SessionRepository(mongo),
        mailbox=mailbox,
        hub=hub,
        inbound=InboundAcceptor(InboundKeyRepository(mongo), publisher),
        deliveries=deliveries,
        session_ttl=timedelta(seconds=settings.webchat_session_ttl_seconds),
        limiter=runtime.limiter,
        limits=WebchatLimits.per_minute(
            sessions_per_address=settings.rate_sessions_per_address_per_minute,
            sessions_per_app=settings.rate_sessions_per_app_per_minute,
            messages_per_visitor=settings.rate_messages_per_visitor_per_minute,
            messages_per_app=settings.rate_messages_per_app_per_minute,
            sockets_per_address=settings.rate_sockets_per_address_per_minute,
        ),
        max_frame_bytes=settings.max_body_bytes,
    )
    replies = ReplyUseCases(mailbox=mailbox, hub=hub, publisher=publisher, deliveries=deliveries)

    runtime.consumers.durable(INGEST_OUTBOUND, on_outbound_requested(replies))
    live_queue = f"ingest.webchat-live.{new_id()}"
    runtime.consumers.exclusive(
        live_queue, (WebchatMessageStoredV1.routing_key(),), on_webchat_stored(replies)
    )
    runtime.on_stop.append(hub.close_all)

    app = create_service_app(
        runtime, title="livechat ingest", description="The channel edge", errors=HTTP_STATUS
    )
    app.state.apps, app.state.webchat = AppUseCases(apps), webchat
    for router in (app_routes.router, webchat_routes.router):
        app.include_router(router)
    return app
