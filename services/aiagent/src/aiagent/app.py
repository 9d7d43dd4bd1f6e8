"""Composition root of the aiagent service: each app's bot configuration and the workspace's AI
limits (``bots``), and the AI agent on the chats (``conversations``): it answers the person's
messages on AI-mode chats, hands chats off to people, and collects ratings, publishing through the
transactional outbox. Requests are authorised from the service's copy of the directory.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from livechat_shared.runtime import Runtime
from livechat_shared.topology import AIAGENT_CONVERSATIONS, AIAGENT_DIRECTORY
from livechat_shared.web import create_service_app
from livechat_shared.writer import Writer

from .bots import routes as bot_routes
from .bots.repository import AiSettingsRepository, BotConfigRepository, StaffDirectory
from .bots.use_cases import BotUseCases
from .conversations.handlers import on_conversation_event
from .conversations.llm import OpenAICompatible
from .conversations.repository import ConversationRepository
from .conversations.use_cases import ConversationUseCases
from .core.processed import ProcessedEvents
from .core.usage import Usage
from .errors import HTTP_STATUS, WriteConflict
from .settings import Settings


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    outbox = runtime.relayed_outbox()
    writer = Writer(mongo, outbox, conflict=WriteConflict)
    runtime.keep_directory_copy(AIAGENT_DIRECTORY)

    configs = BotConfigRepository(mongo, cache_seconds=settings.bot_config_cache_seconds)
    limits = AiSettingsRepository(mongo, cache_seconds=settings.bot_config_cache_seconds)
    usage = Usage(mongo)
    llm = OpenAICompatible(max_timeout_seconds=settings.llm_max_timeout_seconds)
    runtime.on_stop.append(llm.close)
    conversations = ConversationUseCases(
        configs=configs,
        limits=limits,
        conversations=ConversationRepository(mongo),
        usage=usage,
        processed=ProcessedEvents(mongo, timedelta(days=settings.processed_events_retention_days)),
        writer=writer,
        llm=llm,
    )
    runtime.consumers.durable(AIAGENT_CONVERSATIONS, on_conversation_event(conversations))

    app = create_service_app(
        runtime,
        title="livechat aiagent",
        description="The AI agent: answers first, hands chats to people, collects ratings",
        errors=HTTP_STATUS,
        larger_bodies={"/v1/apps/": settings.bot_config_max_bytes},
    )
    app.state.bots = BotUseCases(
        configs=configs, settings=limits, usage=usage, staff=StaffDirectory(mongo), writer=writer
    )
    app.state.conversations, app.state.outbox = conversations, outbox
    app.include_router(bot_routes.router)
    return app
