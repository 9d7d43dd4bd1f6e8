"""Composition root of the ingest service (the channel edge): wiring only."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from livechat_shared.contracts import ConnectorMessageV1, WebchatMessageStoredV1
from livechat_shared.directory import DirectoryCopy, on_user_changed
from livechat_shared.ids import new_id
from livechat_shared.ratelimit import Limit
from livechat_shared.runtime import Runtime
from livechat_shared.topology import INGEST_BANS, INGEST_CONNECTOR, INGEST_DIRECTORY, INGEST_OUTBOUND
from livechat_shared.web import PathCORS, create_service_app
from prometheus_client import Counter

from .apps import routes as app_routes
from .apps.use_cases import AppUseCases
from .bans.handlers import on_ban_changed
from .bans.repository import BanCopyRepository
from .bans.use_cases import EdgeBans
from .channels import routes as channel_routes
from .channels.handlers import on_connector_message
from .channels.use_cases import ChannelLimits, ChannelUseCases
from .core.inbound import InboundAcceptor
from .core.publishing import BusPublisher, DeliveryReporter
from .core.repository import AppRepository, InboundKeyRepository
from .errors import HTTP_STATUS
from .outbound.adapters import http_client, provider_apis
from .outbound.repository import DeadLetterRepository, SentRepository
from .outbound.use_cases import BanNotices, OutboundUseCases, ReceiptUseCases
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

    stopped = Counter(
        "ingest_banned_messages_total",
        "Messages of banned people stopped at the edge",
        ["channel"],
        registry=runtime.registry,
    )
    bans = EdgeBans(BanCopyRepository(mongo), on_stopped=lambda channel: stopped.labels(channel).inc())
    runtime.consumers.durable(INGEST_BANS, on_ban_changed(bans))
    runtime.every(settings.ban_refresh_seconds, bans.refresh, name="ban-refresh")
    inbound = InboundAcceptor(InboundKeyRepository(mongo), publisher, bans)
    webchat = WebchatUseCases(
        apps=apps,
        sessions=SessionRepository(mongo),
        mailbox=mailbox,
        hub=hub,
        inbound=inbound,
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
        ban_notice=settings.ban_notice or None,
    )
    providers_http, sent = http_client(), SentRepository(mongo)
    runtime.on_stop.append(providers_http.aclose)
    apis = provider_apis(
        providers_http,
        whatsapp_url=settings.whatsapp_api_url,
        messenger_url=settings.messenger_api_url,
        telegram_url=settings.telegram_api_url,
    )
    outbound = OutboundUseCases(
        apps=apps,
        apis=apis,
        sent=sent,
        dead_letters=DeadLetterRepository(mongo),
        deliveries=deliveries,
        attempts=settings.outbound_attempts,
        backoff_seconds=settings.outbound_backoff_seconds,
    )
    replies = ReplyUseCases(
        mailbox=mailbox, hub=hub, publisher=publisher, deliveries=deliveries, providers=outbound
    )

    runtime.consumers.durable(INGEST_OUTBOUND, on_outbound_requested(replies))
    live_queue = f"ingest.webchat-live.{new_id()}"
    runtime.consumers.exclusive(
        live_queue, (WebchatMessageStoredV1.routing_key(),), on_webchat_stored(replies)
    )
    runtime.on_stop.append(hub.close_all)

    channel_limits = ChannelLimits(
        per_person=Limit(settings.rate_messages_per_visitor_per_minute, 60, "messages from this person"),
        per_app=Limit(settings.rate_messages_per_app_per_minute, 60, "messages on this app"),
    )
    receipts = ReceiptUseCases(sent, deliveries)
    channels = ChannelUseCases(
        apps,
        inbound,
        runtime.limiter,
        channel_limits,
        receipts,
        mailbox,
        deliveries,
        BanNotices(apps, apis, runtime.limiter, settings.ban_notice),
        settings.whatsapp_media_url,
    )
    runtime.consumers.durable(INGEST_CONNECTOR, on_connector_message(channels))

    app = create_service_app(
        runtime,
        title="livechat ingest",
        description="The channel edge",
        errors=HTTP_STATUS,
        external_contracts=(ConnectorMessageV1,),
    )
    app.add_middleware(
        PathCORS,
        prefix="/v1/webchat/",
        allow_origins=settings.webchat_allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    app.state.apps, app.state.webchat = AppUseCases(apps), webchat
    app.state.receipts = receipts
    app.state.channels = channels
    for router in (app_routes.router, webchat_routes.router, channel_routes.router):
        app.include_router(router)
    return app
