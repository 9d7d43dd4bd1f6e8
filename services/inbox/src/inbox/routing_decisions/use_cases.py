"""Applying routing's decisions to chats: an assignment makes the agent the assignee of a chat that
still waits; an unassignment puts a chat its agent left back in the queue. A decision that no
longer fits the chat (taken over, closed, already held) is acked and logged, changing nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from livechat_shared.contracts import ChatAssignedV1, ChatUnassignedV1, DirectoryUser, Envelope
from livechat_shared.idempotency import AlreadyProcessedError
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger
from livechat_shared.writer import Change, RaceLost, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.announce import message_created, placement_changed
from ..core.models import Chat, Message, next_message
from ..core.store import DuplicateMessage
from ..errors import ChatNotFound
from .rules import (
    ROUTING_AUTHOR,
    assign,
    assigned_text,
    decision_key,
    unassign,
    unassigned_text,
    why_not_assign,
    why_not_unassign,
)

Session = AsyncClientSession
log = get_logger(__name__)


class Chats(Protocol):
    async def get(self, chat_id: str, session: Session | None = None) -> Chat | None: ...

    async def update(
        self, chat: Chat, changes: dict[str, Any], session: Session, *, texts: Sequence[str] = ()
    ) -> Chat | None: ...


class Messages(Protocol):
    async def insert(self, message: Message, session: Session) -> None: ...


class Staff(Protocol):
    async def user(self, user_id: str) -> DirectoryUser | None: ...


@dataclass
class RoutingDecisionUseCases:
    chats: Chats
    messages: Messages
    staff: Staff
    writer: Writer

    async def assigned(self, envelope: Envelope, event: ChatAssignedV1) -> Chat | None:
        """Make the agent the assignee while the chat still waits; ``None`` when it no longer does
        (logged as ``assignment_not_applied``). Raises :class:`ChatNotFound`."""
        agent = await self._name(event.assignee_id)

        return await self._apply(
            envelope,
            lambda chat: why_not_assign(chat, event.assignee_id),
            lambda now: assign(event.assignee_id, now),
            assigned_text(agent, event.reason),
            "assignment_not_applied",
        )

    async def unassigned(self, envelope: Envelope, event: ChatUnassignedV1) -> Chat | None:
        """Put the chat back in the queue while the agent routing took it from still holds it;
        ``None`` otherwise (logged as ``unassignment_not_applied``). Raises :class:`ChatNotFound`."""
        agent = await self._name(event.from_assignee_id)

        return await self._apply(
            envelope,
            lambda chat: why_not_unassign(chat, event.from_assignee_id),
            unassign,
            unassigned_text(agent),
            "unassignment_not_applied",
        )

    async def _apply(
        self,
        envelope: Envelope,
        decide: Callable[[Chat], str | None],
        changes: Callable[[datetime], dict[str, Any]],
        text: str,
        skipped_as: str,
    ) -> Chat | None:
        async def work(session: Session) -> Change[Chat | str]:
            chat = await self.chats.get(envelope.chat_id, session) if envelope.chat_id else None
            if chat is None or chat.workspace_id != envelope.workspace_id:
                raise ChatNotFound(f"no chat {envelope.chat_id} in workspace {envelope.workspace_id}")
            why = decide(chat)
            if why is not None:
                return Change(why)
            now = utcnow()
            updated = await self.chats.update(chat, changes(now), session, texts=[text])
            if updated is None:
                raise RaceLost
            line = next_message(
                updated,
                ROUTING_AUTHOR,
                text=text,
                attachments=(),
                created_at=now,
                client_key=decision_key(envelope.event_id),
            )
            try:
                await self.messages.insert(line, session)
            except DuplicateMessage as exc:
                raise AlreadyProcessedError(envelope.event_id) from exc
            events = message_created(updated, line, cause=envelope, correlation_id=None, before=chat)
            moved = placement_changed(chat, updated, cause=envelope)
            events += [moved] if moved is not None else []
            return Change(updated, events)

        try:
            result = await self.writer.write(work)
        except AlreadyProcessedError:
            log.info("duplicate_ignored", event_id=envelope.event_id, chat_id=envelope.chat_id)
            return None
        if isinstance(result, str):
            log.info(skipped_as, event_id=envelope.event_id, chat_id=envelope.chat_id, reason=result)
            return None
        return result

    async def _name(self, user_id: str) -> str:
        """The agent's name in the directory copy (their id when the copy has none)."""
        user = await self.staff.user(user_id)
        return (user.name if user is not None else None) or user_id
