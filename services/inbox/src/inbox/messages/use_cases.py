"""Reading a chat's history, replying to the person, and following a reply's delivery."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import Author, DeliveryState, DeliveryUpdatedV1, Envelope
from livechat_shared.idempotency import AlreadyProcessedError
from livechat_shared.ids import utcnow
from livechat_shared.writer import Change, RaceLost, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.access import visible_chat
from ..core.announce import message_created, message_updated, placement_changed
from ..core.models import ANSWERED, Chat, Message, next_message
from ..core.store import DuplicateMessage
from ..errors import NotAssignee, ReplyForbidden, UnknownAlias
from .rules import ReplyDecision, client_key, decide_reply, delivery_advances, fill_variables
from .schemas import MessagePage, ReplyCreate

Session = AsyncClientSession


class Chats(Protocol):
    async def get(self, chat_id: str, session: Session | None = None) -> Chat | None: ...

    async def update(
        self, chat: Chat, changes: dict[str, object], session: Session, *, texts: Sequence[str] = ()
    ) -> Chat | None: ...


class Messages(Protocol):
    async def insert(self, message: Message, session: Session) -> None: ...

    async def get(self, message_id: str, session: Session | None = None) -> Message | None: ...

    async def after(self, chat_id: str, after_seq: int, limit: int) -> list[Message]: ...

    async def count(self, chat_id: str) -> int: ...

    async def by_client_key(self, key: str, session: Session | None = None) -> Message | None: ...

    async def set_delivery(
        self, message: Message, state: DeliveryState, error: str | None, session: Session
    ) -> Message | None: ...


class Aliases(Protocol):
    async def alias_name(self, workspace_id: str, alias_id: str) -> str | None:
        """The alias's display name, or ``None`` when the workspace has no such alias."""
        ...


@dataclass
class Reply:
    message: Message
    created: bool
    """False when the same ``client_message_id`` was stored before (the stored reply is returned)."""


@dataclass
class MessageUseCases:
    chats: Chats
    messages: Messages
    writer: Writer
    aliases: Aliases

    async def history(self, user: Principal, chat_id: str, after_seq: int, limit: int) -> MessagePage:
        await visible_chat(self.chats, user, chat_id)
        items = [m.view() for m in await self.messages.after(chat_id, after_seq, limit)]
        return MessagePage(
            items=items,
            total=await self.messages.count(chat_id),
            page=1,
            page_size=limit,
            next_after_seq=items[-1].seq if items else after_seq,
        )

    async def reply(
        self, user: Principal, chat_id: str, body: ReplyCreate, *, takeover: bool, correlation_id: str | None
    ) -> Reply:
        """Store an agent's reply, taking the chat (over) when the rules allow; idempotent on
        ``client_message_id``."""
        alias = None
        if body.alias_id is not None:
            alias = await self.aliases.alias_name(user.workspace_id, body.alias_id)
            if alias is None:
                raise UnknownAlias()
        key = client_key(chat_id, user.user_id, body.client_message_id)
        seen: list[str | None] = []
        """The assignee the first attempt found: a takeover is from them, not from whoever took the
        chat while this reply was being written."""

        async def work(session: Session) -> Change[Reply]:
            chat = await visible_chat(self.chats, user, chat_id, session)
            existing = await self.messages.by_client_key(key, session)
            if existing is not None:
                return Change(Reply(existing, created=False))
            if not seen:
                seen.append(chat.assignee_id)
            elif chat.assignee_id not in (seen[0], user.user_id):
                raise NotAssignee("another user took the chat at the same moment")
            decision = decide_reply(user, chat.scope(), takeover=takeover)
            if decision is ReplyDecision.NOT_ASSIGNEE:
                raise NotAssignee()
            if decision is ReplyDecision.FORBIDDEN:
                raise ReplyForbidden()
            now = utcnow()
            # an agent's answer: the person waits no longer (and an overdue chat is open again)
            changes: dict[str, object] = {
                "updated_at": now,
                "last_message_at": now,
                "waiting_since": ANSWERED,
            }
            if chat.status == "overdue":
                changes["status"] = "open"
            if decision is not ReplyDecision.SEND:
                changes |= {"assignee_id": user.user_id, "mode": "live", "status": "open"}
            text = fill_variables(
                body.text,
                person=chat.person.name,
                agent=alias or user.name or "",
                chat_id=chat.id,
                custom_fields=chat.custom_fields,
            )
            updated = await self.chats.update(chat, changes, session, texts=[text])
            if updated is None:
                raise RaceLost
            message = next_message(
                updated,
                Author(type="agent", id=user.user_id, name=user.name, alias=alias),
                text=text,
                attachments=body.attachments,
                created_at=now,
                delivery="pending",
                client_key=key,
            )
            try:
                await self.messages.insert(message, session)
            except DuplicateMessage as exc:
                raise RaceLost from exc  # the same reply committed concurrently: read it back
            events = message_created(updated, message, cause=None, correlation_id=correlation_id, before=chat)
            moved = placement_changed(chat, updated, correlation_id=correlation_id)  # taken (over)
            events += [moved] if moved is not None else []
            return Change(Reply(message, created=True), events)

        return await self.writer.write(work)

    async def delivery_updated(self, envelope: Envelope, event: DeliveryUpdatedV1) -> Message | None:
        """The channel's progress on a message to the person, shown to agents as its delivery state;
        ``None`` when the report changes nothing (unknown message, late or repeated report)."""

        async def work(session: Session) -> Change[Message]:
            message = await self.messages.get(event.message_id, session)
            if message is None or not delivery_advances(message.delivery, event.state):
                raise AlreadyProcessedError(envelope.event_id)
            updated = await self.messages.set_delivery(message, event.state, event.error, session)
            if updated is None:
                raise RaceLost
            chat = await self.chats.get(message.chat_id, session)
            events = [message_updated(chat, updated, cause=envelope)] if chat is not None else []
            return Change(updated, events)

        try:
            return await self.writer.write(work)
        except AlreadyProcessedError:
            return None
