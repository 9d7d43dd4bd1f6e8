"""Storing a person's message from a channel, exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from livechat_shared.contracts import Author, Envelope, MessageReceivedV1
from livechat_shared.idempotency import AlreadyProcessedError
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger
from livechat_shared.writer import Change, RaceLost, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.announce import message_created, placement_changed
from ..core.models import Chat, Message, Person, next_message
from ..core.store import DuplicateMessage
from .repository import CreationRace

Session = AsyncClientSession
log = get_logger(__name__)


class People(Protocol):
    async def upsert_from_channel(
        self, workspace_id: str, event: MessageReceivedV1, now: datetime, session: Session
    ) -> Person: ...


class CurrentChats(Protocol):
    async def touch_existing(
        self, event: MessageReceivedV1, now: datetime, session: Session
    ) -> tuple[Chat, bool] | None: ...

    async def touch_current(
        self, workspace_id: str, event: MessageReceivedV1, person: Person, now: datetime, session: Session
    ) -> Chat: ...


class MessageWriter(Protocol):
    async def insert(self, message: Message, session: Session) -> None: ...


@dataclass
class InboundUseCases:
    people: People
    chats: CurrentChats
    messages: MessageWriter
    writer: Writer

    async def receive(self, envelope: Envelope, event: MessageReceivedV1) -> Message | None:
        """Store the message in the person's current chat; ``None`` when it was stored before (the
        same event again, or the same channel message under another event id)."""

        async def work(session: Session) -> Change[Message]:
            # No record of the event id: the message's unique channel key (below) already makes a
            # repeat of the same event, or of the same channel message under another event id, a no-op.
            now = utcnow()
            touched = await self.chats.touch_existing(event, now, session)
            if touched is None:  # the person's first message in this app (or since their last chat)
                try:
                    person = await self.people.upsert_from_channel(envelope.workspace_id, event, now, session)
                    chat = await self.chats.touch_current(envelope.workspace_id, event, person, now, session)
                except CreationRace as exc:
                    raise RaceLost from exc
                reopened = False
            else:
                chat, reopened = touched
            message = next_message(
                chat,
                Author(type="person", id=chat.person.id, name=chat.person.name),
                text=event.text,
                attachments=event.attachments,
                created_at=event.received_at,
                inbound_key=f"{event.app_id}:{event.external_message_id}",
            )
            try:
                await self.messages.insert(message, session)
            except DuplicateMessage as exc:
                raise AlreadyProcessedError(envelope.event_id) from exc
            language = event.person.language
            events = message_created(chat, message, cause=envelope, correlation_id=None, language=language)
            if reopened:  # rarely: the message reopened a resolved chat, a livechat again for routing
                was = chat.model_copy(update={"status": "resolved"})
                moved = placement_changed(was, chat, cause=envelope)
                events += [moved] if moved is not None else []
            return Change(message, events)

        # Order: the inbound queue is consumed one message at a time (see ``INBOX_INBOUND``), so each
        # person's messages get their ``seq`` in the order the channel delivered them.
        try:
            return await self.writer.write(work)
        except AlreadyProcessedError:
            log.info("duplicate_ignored", event_id=envelope.event_id)
            return None
