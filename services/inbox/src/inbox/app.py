"""Composition root of the inbox service (system of record, agent API and realtime stream)."""

from __future__ import annotations

from fastapi import FastAPI
from livechat_shared.ids import new_id, utcnow
from livechat_shared.runtime import Runtime
from livechat_shared.topology import (
    INBOX_AI,
    INBOX_ASSIGNMENTS,
    INBOX_DELIVERIES,
    INBOX_DIRECTORY,
    INBOX_INBOUND,
    INBOX_TEAMSPACES,
)
from livechat_shared.web import create_service_app
from livechat_shared.writer import Writer

from .ai_agent.handlers import on_ai_event
from .ai_agent.use_cases import AiAgentUseCases
from .attachments import routes as attachment_routes
from .attachments.repository import AttachmentFiles
from .attachments.use_cases import AttachmentUseCases
from .bans import routes as ban_routes
from .bans.repository import (
    BanAuditRepository,
    BannedPersonRepository,
    BanReasonRepository,
    BanRepository,
    BanRuleRepository,
)
from .bans.use_cases import BanUseCases
from .catalog import routes as catalog_routes
from .catalog.repository import AliasRepository, CatalogRepositories
from .catalog.use_cases import CatalogUseCases, FieldValueChecker
from .chats import routes as chat_routes
from .chats.handlers import on_teamspace_settings_changed
from .chats.repository import ChatQueries, TeamspacePolicyCopy
from .chats.use_cases import ChatUseCases, OverdueRule, TeamspaceRules
from .core.store import ChatStore, MessageStore, TombstoneStore
from .deletion import routes as deletion_routes
from .deletion.repository import ChatEraser, DeletionAuditRepository
from .deletion.use_cases import DeletionUseCases
from .errors import HTTP_STATUS, WriteConflict
from .inbound.handlers import on_message_received
from .inbound.repository import CurrentChatRepository, PersonRepository
from .inbound.use_cases import InboundUseCases
from .interactions import routes as interaction_routes
from .interactions.repository import InteractionCounts
from .interactions.use_cases import InteractionUseCases
from .messages import routes as message_routes
from .messages.handlers import on_delivery_updated
from .messages.repository import MessageRepository
from .messages.use_cases import MessageUseCases
from .notes import routes as note_routes
from .notes.repository import NoteRepository
from .notes.use_cases import NoteUseCases
from .people import routes as people_routes
from .people.repository import PeopleRepository
from .people.use_cases import PeopleUseCases
from .realtime import routes as stream_routes
from .realtime.handlers import on_chat_event
from .realtime.hub import StreamHub
from .realtime.rules import STREAM_KEYS
from .routing_decisions.handlers import on_routing_decision
from .routing_decisions.use_cases import RoutingDecisionUseCases
from .search import routes as search_routes
from .search.repository import ChatTable, SearchIndexStore
from .search.use_cases import SearchUseCases
from .settings import Settings
from .transfers import routes as transfer_routes
from .transfers.repository import StaffDirectory
from .transfers.use_cases import TransferUseCases


class _Messages(MessageStore, MessageRepository):
    """The messages collection as the messages feature sees it: core writes plus its own queries."""


class _Aliases:
    """Replies' aliases, from the catalog."""

    def __init__(self, aliases: AliasRepository) -> None:
        self.aliases = aliases

    async def alias_name(self, workspace_id: str, alias_id: str) -> str | None:
        alias = await self.aliases.alias(workspace_id, alias_id)
        return alias.name if alias else None


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
    catalog = CatalogRepositories.create(mongo)  # also the ports other features read settings through
    message_use_cases = MessageUseCases(
        chats=chat_store, messages=_Messages(mongo), writer=writer, aliases=_Aliases(catalog.aliases)
    )
    note_use_cases = NoteUseCases(chats=chat_store, notes=NoteRepository(mongo), writer=writer)
    catalog_use_cases = CatalogUseCases(
        tags=catalog.tags,
        tag_groups=catalog.tag_groups,
        fields=catalog.fields,
        canned_replies=catalog.canned_replies,
        aliases=catalog.aliases,
        writer=writer,
    )

    async def announce_tags() -> None:  # after the relay started (it is registered first)
        await catalog_use_cases.republish_tags()

    runtime.on_start.append(announce_tags)

    transfer_use_cases = TransferUseCases(
        chats=chat_store, messages=message_store, staff=StaffDirectory(mongo), writer=writer
    )
    policies = TeamspacePolicyCopy(mongo)
    overdue = OverdueRule(chats=chat_store, waiting=policies, writer=writer)
    runtime.every(settings.overdue_sweep_seconds, lambda: overdue.sweep(utcnow()), name="overdue-sweep")
    chat_use_cases = ChatUseCases(
        chats=chat_store,
        queries=ChatQueries(mongo),
        writer=writer,
        fields=FieldValueChecker(catalog.fields),
        policies=policies,
        tags=catalog.tags,
    )

    runtime.consumers.durable(INBOX_INBOUND, on_message_received(inbound_use_cases))  # every partition
    runtime.consumers.durable(INBOX_DELIVERIES, on_delivery_updated(message_use_cases))
    runtime.consumers.durable(INBOX_TEAMSPACES, on_teamspace_settings_changed(TeamspaceRules(policies)))
    directory = runtime.keep_directory_copy(INBOX_DIRECTORY)
    ai_agent = AiAgentUseCases(chats=chat_store, messages=message_store, writer=writer)
    routing_decisions = RoutingDecisionUseCases(
        chats=chat_store, messages=message_store, staff=directory, writer=writer
    )
    runtime.consumers.durable(INBOX_AI, on_ai_event(ai_agent))  # every partition
    runtime.consumers.durable(INBOX_ASSIGNMENTS, on_routing_decision(routing_decisions))  # every partition
    runtime.consumers.exclusive(f"inbox.stream.{new_id()}", STREAM_KEYS, on_chat_event(hub))

    runtime.on_stop.append(hub.close_all)

    app = create_service_app(
        runtime,
        title="livechat inbox",
        description="Chats, messages and the agent API",
        errors=HTTP_STATUS,
        larger_bodies={"/v1/attachments": settings.attachment_max_bytes},
    )
    app.state.chats, app.state.messages, app.state.inbound = (
        chat_use_cases,
        message_use_cases,
        inbound_use_cases,
    )
    app.state.hub, app.state.outbox = hub, outbox
    app.state.notes = note_use_cases
    app.state.ai_agent, app.state.routing_decisions = ai_agent, routing_decisions
    app.state.catalog = catalog_use_cases
    app.state.transfers, app.state.overdue = transfer_use_cases, overdue
    app.state.interactions = interactions = InteractionUseCases(InteractionCounts(mongo))
    app.state.attachments = AttachmentUseCases(
        chats=chat_store,
        files=AttachmentFiles(mongo),
        secret=settings.jwt_secret,
        public_url=settings.public_url,
        link_seconds=settings.attachment_link_seconds,
    )
    app.state.people = PeopleUseCases(PeopleRepository(mongo))
    app.state.search = search = SearchUseCases(
        table=ChatTable(mongo),
        tags=catalog.tags,
        index=SearchIndexStore(mongo),
        transactions=mongo,
        count_cap=settings.table_count_cap,
    )
    runtime.once(search.backfill, settings.search_backfill_retry_seconds, "search-backfill")
    for feature in (transfer_routes, interaction_routes, people_routes, attachment_routes):
        app.include_router(feature.router)
    for router in (search_routes.router, chat_routes.router, message_routes.router, stream_routes.router):
        app.include_router(router)
    app.include_router(note_routes.router)
    app.include_router(catalog_routes.router)
    app.state.bans = BanUseCases(
        reasons=BanReasonRepository(mongo),
        rules=BanRuleRepository(mongo),
        bans=BanRepository(mongo),
        audit=BanAuditRepository(mongo),
        people=BannedPersonRepository(mongo),
        writer=writer,
    )
    app.include_router(ban_routes.router)
    app.state.deletion = DeletionUseCases(
        chats=chat_store,
        eraser=ChatEraser(mongo),
        audit=DeletionAuditRepository(mongo),
        tombstones=TombstoneStore(mongo),
        interactions=interactions,
        writer=writer,
        tombstone_seconds=settings.tombstone_seconds,
    )
    app.include_router(deletion_routes.router)
    return app
