"""Use cases of the inbox. Every change commits together with the events that announce it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livechat_shared.auth import Principal, ReplyDecision, can_see_chat, decide_reply
from livechat_shared.events import (
    ChatChangedV1,
    ChatSnapshot,
    DeliveryUpdatedV1,
    Envelope,
    MessageCreatedV1,
    MessageReceivedV1,
    MessageUpdatedV1,
    OutboundRequestedV1,
)
from livechat_shared.http import ApiError, not_found
from livechat_shared.idempotency import AlreadyProcessedError, ProcessedEvents
from livechat_shared.ids import new_id, utcnow
from livechat_shared.mongo import Mongo
from livechat_shared.outbox import Outbox
from livechat_shared.telemetry import get_logger
from pydantic import BaseModel
from pymongo.errors import DuplicateKeyError

from .domain import ReplyCreate, delivery_advances, message_view, scope_of, snapshot
from .repositories import ChatRepository, MessageRepository, PersonRepository, Session

log = get_logger(__name__)

INBOUND_CONSUMER = "inbox.inbound"
RACE_RETRIES = 5


class _RaceLostError(Exception):
    """A concurrent writer created the same person or chat first: run the transaction again."""


def message_event_fields(snap: ChatSnapshot) -> dict[str, Any]:
    """The chat's side of a message event: its version and who may see it."""
    return {
        "chat_version": snap.version,
        "teamspace_id": snap.teamspace_id,
        "assignee_id": snap.assignee_id,
        "team_ids": snap.team_ids,
        "mode": snap.mode,
    }


def chat_events(
    chat: dict[str, Any], message: dict[str, Any], *, cause: Envelope | None, correlation_id: str | None
) -> list[Envelope]:
    snap = snapshot(chat)
    view = message_view(message)
    wrap = {
        "workspace_id": chat["workspace_id"],
        "chat_id": chat["_id"],
        "causation": cause,
        "correlation_id": correlation_id,
    }
    events = [
        Envelope.wrap(ChatChangedV1(chat=snap), **wrap),
        Envelope.wrap(MessageCreatedV1(**message_event_fields(snap), message=view), **wrap),
    ]
    if message["author"]["type"] in ("agent", "ai", "system"):
        events.append(
            Envelope.wrap(
                OutboundRequestedV1(
                    app_id=chat["app"]["id"],
                    channel=chat["app"]["channel"],
                    person_external_id=chat["person_external_id"],
                    message=view,
                ),
                **wrap,
            )
        )
    return events


def new_message(
    chat: dict[str, Any],
    author: dict[str, Any],
    *,
    text: str,
    attachments: Sequence[BaseModel],
    created_at: datetime,
    delivery: str | None = None,
    **keys: str,
) -> dict[str, Any]:
    """A message document taking the chat's next ``seq`` (already reserved on ``chat``)."""
    return {
        "_id": new_id(),
        "workspace_id": chat["workspace_id"],
        "chat_id": chat["_id"],
        "seq": chat["next_seq"],
        "author": author,
        "text": text,
        "attachments": [a.model_dump() for a in attachments],
        "created_at": created_at,
        "delivery": delivery,
        **keys,
    }


@dataclass
class InboxService:
    mongo: Mongo
    people: PersonRepository
    chats: ChatRepository
    messages: MessageRepository
    processed: ProcessedEvents
    outbox: Outbox

    # --- inbound ------------------------------------------------------------------------------

    async def on_message_received(self, envelope: Envelope) -> None:
        event = envelope.open(MessageReceivedV1)

        async def work(session: Session) -> None:
            await self.processed.record(INBOUND_CONSUMER, envelope.event_id, session)
            now = utcnow()
            try:
                person = await self.people.upsert_from_channel(envelope.workspace_id, event, now, session)
                chat = await self.chats.touch_current(envelope.workspace_id, event, person, now, session)
            except DuplicateKeyError as exc:
                raise _RaceLostError from exc
            message = new_message(
                chat,
                {"type": "person", "id": person["_id"], "name": chat["person"]["name"]},
                text=event.text,
                attachments=event.attachments,
                created_at=event.received_at,
                inbound_key=f"{event.app_id}:{event.external_message_id}",
            )
            try:
                await self.messages.insert(message, session)
            except DuplicateKeyError as exc:  # the same channel message, under another event id
                raise AlreadyProcessedError(envelope.event_id) from exc
            await self.outbox.add(chat_events(chat, message, cause=envelope, correlation_id=None), session)

        # Order: the inbound queue is consumed one message at a time (see ``INBOX_INBOUND``), so each
        # person's messages get their ``seq`` in the order the channel delivered them.
        if not await self._write(work, RuntimeError(f"gave up on event {envelope.event_id} after races")):
            log.info("duplicate_ignored", event_id=envelope.event_id)

    async def on_delivery_updated(self, envelope: Envelope) -> None:
        """The channel's progress on a message to the person, shown to agents as its delivery state."""
        event = envelope.open(DeliveryUpdatedV1)

        async def work(session: Session) -> None:
            message = await self.messages.get(event.message_id, session)
            if message is None or not delivery_advances(message.get("delivery"), event.state):
                raise AlreadyProcessedError(envelope.event_id)  # unknown, late or repeated: nothing to do
            updated = await self.messages.set_delivery(message, event.state, event.error, session)
            if updated is None:
                raise _RaceLostError
            chat = await self.chats.get(message["chat_id"], session)
            if chat is not None:
                snap = snapshot(chat)
                await self.outbox.add(
                    [
                        Envelope.wrap(
                            MessageUpdatedV1(**message_event_fields(snap), message=message_view(updated)),
                            workspace_id=snap.workspace_id,
                            chat_id=snap.id,
                            causation=envelope,
                        )
                    ],
                    session,
                )

        await self._write(work, RuntimeError(f"gave up on event {envelope.event_id} after races"))

    async def _write(self, work: Callable[[Session], Awaitable[None]], exhausted: Exception) -> bool:
        """Commit ``work`` in a transaction, again when it lost a race; False when it was a repeat."""
        for _attempt in range(RACE_RETRIES):
            try:
                await self.mongo.transaction(work)
            except AlreadyProcessedError:
                return False
            except _RaceLostError:
                continue
            self.outbox.notify()
            return True
        raise exhausted

    # --- agent API ----------------------------------------------------------------------------

    async def visible_chat(
        self, user: Principal, chat_id: str, session: Session | None = None
    ) -> dict[str, Any]:
        chat = await self.chats.get(chat_id, session)
        if chat is None or not can_see_chat(user, scope_of(chat)):
            raise not_found("chat")
        return chat

    async def reply(
        self, user: Principal, chat_id: str, body: ReplyCreate, *, takeover: bool, correlation_id: str | None
    ) -> tuple[dict[str, Any], bool]:
        """Store an agent's reply (taking the chat over when needed); returns (message, created)."""
        client_key = f"{chat_id}:{user.user_id}:{body.client_message_id}"
        result: dict[str, Any] = {}

        async def work(session: Session) -> None:
            chat = await self.visible_chat(user, chat_id, session)
            existing = await self.messages.by_client_key(client_key, session)
            if existing is not None:
                result.update(message=existing, created=False)
                return
            decision = decide_reply(user, scope_of(chat), takeover=takeover)
            if decision is ReplyDecision.NOT_ASSIGNEE:
                raise ApiError(409, "not_assignee", "another user holds this chat; reply with takeover=true")
            if decision is ReplyDecision.FORBIDDEN:
                raise ApiError(403, "forbidden", "you may not reply to this chat")
            now = utcnow()
            updated = await self.chats.apply_reply(
                chat, user.user_id, decision is not ReplyDecision.SEND, now, session
            )
            if updated is None:
                raise _RaceLostError
            author = {"type": "agent", "id": user.user_id, "name": user.name, "alias": None}
            message = new_message(
                updated,
                author,
                text=body.text,
                attachments=body.attachments,
                created_at=now,
                delivery="pending",
                client_key=client_key,
            )
            try:
                await self.messages.insert(message, session)
            except DuplicateKeyError as exc:
                raise _RaceLostError from exc  # the same reply committed concurrently: read it back
            await self.outbox.add(
                chat_events(updated, message, cause=None, correlation_id=correlation_id), session
            )
            result.update(message=message, created=True)

        await self._write(work, ApiError(409, "conflict", "the chat kept changing; try again"))
        return result["message"], result["created"]
