"""Storing what the AI agent says and decides on a chat: its answers (delivered to the person), its
Human Handoffs (the chat becomes a livechat waiting for an agent) and the ratings it collects.
Each event is applied exactly once: what it stores has a natural key (the event's id), so a
redelivered event collides and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from livechat_shared.contracts import AiReplyCreatedV1, ChatHandedOffV1, Envelope, FeedbackCollectedV1
from livechat_shared.idempotency import AlreadyProcessedError
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger
from livechat_shared.writer import Change, RaceLost, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.announce import chat_changed, message_created, message_events, placement_changed
from ..core.models import Chat, Message, next_message
from ..core.store import DuplicateMessage
from ..errors import ChatNotFound
from .rules import (
    AI_AUTHOR,
    AI_SYSTEM_AUTHOR,
    answers,
    handoff_changes,
    handoff_line_key,
    handoff_text,
    message_key,
    rating_of,
    reply_author,
    same_rating,
)

Session = AsyncClientSession
T = TypeVar("T")
log = get_logger(__name__)


class Chats(Protocol):
    async def get(self, chat_id: str, session: Session | None = None) -> Chat | None: ...

    async def update(
        self,
        chat: Chat,
        changes: dict[str, Any],
        session: Session,
        *,
        seqs: int = 1,
        texts: Sequence[str] = (),
    ) -> Chat | None: ...

    async def change(self, chat: Chat, changes: dict[str, Any], session: Session) -> Chat | None: ...


class Messages(Protocol):
    async def insert(self, message: Message, session: Session) -> None: ...


@dataclass
class Skipped:
    """The event was acked without a change: why."""

    reason: str


@dataclass
class AiAgentUseCases:
    chats: Chats
    messages: Messages
    writer: Writer

    async def reply_created(self, envelope: Envelope, event: AiReplyCreatedV1) -> Message | None:
        """Store the AI's answer and have it delivered (a ``notice``: a system line for the agents),
        while the chat is still the AI's; ``None`` when dropped (an agent has the chat, or the
        event was applied before). Raises :class:`ChatNotFound`."""

        async def work(session: Session) -> Change[Message | Skipped]:
            chat = await self._chat(envelope, session)
            if not answers(chat):
                return Change(Skipped(f"chat is {chat.mode}"))
            now = utcnow()
            touched = {"updated_at": now, "last_message_at": now}
            updated = await self.chats.update(chat, touched, session, texts=[event.text])
            if updated is None:
                raise RaceLost
            notice = event.kind == "notice"
            message = next_message(
                updated,
                reply_author(event.kind),
                text=event.text,
                attachments=(),
                created_at=now,
                delivery=None if notice else "pending",
                client_key=message_key(envelope.event_id),
                kind=event.kind,
            )
            await self._insert(envelope, message, session)
            return Change(message, message_created(updated, message, cause=envelope, correlation_id=None))

        result = await self._write(envelope, work, "ai_reply_dropped")
        return result if isinstance(result, Message) else None

    async def handed_off(self, envelope: Envelope, event: ChatHandedOffV1) -> Chat | None:
        """The AI's Human Handoff: its last words to the person (delivered), a line for the agents
        with its summary, and the chat a livechat waiting for an agent of the target. Only from AI
        mode; ``None`` when nothing changed (a live chat, or the event was applied before)."""

        async def work(session: Session) -> Change[Chat | Skipped]:
            chat = await self._chat(envelope, session)
            if not answers(chat):
                return Change(Skipped(f"chat is {chat.mode}"))
            now = utcnow()
            seqs = 2 if event.message else 1  # the AI's last words, then the line for the agents
            texts = [*([event.message] if event.message else []), handoff_text(event.summary)]
            changes = handoff_changes(event, now)
            updated = await self.chats.update(chat, changes, session, seqs=seqs, texts=texts)
            if updated is None:
                raise RaceLost
            stored: list[Message] = []
            if event.message:
                stored.append(
                    next_message(
                        updated,
                        AI_AUTHOR,
                        text=event.message,
                        attachments=(),
                        created_at=now,
                        delivery="pending",
                        client_key=message_key(envelope.event_id),
                        seq=updated.next_seq - 1,
                    )
                )
            stored.append(
                next_message(
                    updated,
                    AI_SYSTEM_AUTHOR,
                    text=handoff_text(event.summary),
                    attachments=(),
                    created_at=now,
                    client_key=handoff_line_key(envelope.event_id),
                )
            )
            for message in stored:
                await self._insert(envelope, message, session)
            first, *rest = stored
            events = message_created(updated, first, cause=envelope, correlation_id=None, before=chat)
            for message in rest:
                events += message_events(updated, message, cause=envelope, correlation_id=None)
            moved = placement_changed(chat, updated, cause=envelope)
            events += [moved] if moved is not None else []
            return Change(updated, events)

        result = await self._write(envelope, work, "handoff_not_applied")
        return result if isinstance(result, Chat) else None

    async def feedback_collected(self, envelope: Envelope, event: FeedbackCollectedV1) -> Chat | None:
        """The person's rating of the chat, on the chat; ``None`` when it holds that rating already."""
        rating = rating_of(event)

        async def work(session: Session) -> Change[Chat | Skipped]:
            chat = await self._chat(envelope, session)
            if same_rating(chat.rating, rating):
                return Change(Skipped("rated so already"))
            updated = await self.chats.change(chat, {"rating": rating, "updated_at": utcnow()}, session)
            if updated is None:
                raise RaceLost
            return Change(updated, [chat_changed(updated, cause=envelope)])

        result = await self._write(envelope, work, "rating_not_applied")
        return result if isinstance(result, Chat) else None

    async def _chat(self, envelope: Envelope, session: Session) -> Chat:
        chat = await self.chats.get(envelope.chat_id, session) if envelope.chat_id else None
        if chat is None or chat.workspace_id != envelope.workspace_id:
            raise ChatNotFound(f"no chat {envelope.chat_id} in workspace {envelope.workspace_id}")
        return chat

    async def _insert(self, envelope: Envelope, message: Message, session: Session) -> None:
        try:
            await self.messages.insert(message, session)
        except DuplicateMessage as exc:  # the same event, applied before: roll this run back
            raise AlreadyProcessedError(envelope.event_id) from exc

    async def _write(
        self, envelope: Envelope, work: Callable[[Session], Awaitable[Change[T]]], skipped_as: str
    ) -> T | None:
        """Commit ``work``; ``None`` for an event applied before. A skip is logged and returned."""
        try:
            result = await self.writer.write(work)
        except AlreadyProcessedError:
            log.info("duplicate_ignored", event_id=envelope.event_id, chat_id=envelope.chat_id)
            return None
        if isinstance(result, Skipped):
            log.info(skipped_as, event_id=envelope.event_id, chat_id=envelope.chat_id, reason=result.reason)
        return result
