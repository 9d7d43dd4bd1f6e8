"""The inbox's stored entities, typed; converted from and to documents at the repository boundary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from livechat_shared.auth import ChatScope
from livechat_shared.contracts import (
    AiReplyKind,
    AppRef,
    Attachment,
    Author,
    ChatMode,
    ChatSnapshot,
    ChatStatus,
    DeliveryState,
    HandoffTarget,
    MessageView,
)
from livechat_shared.ids import new_id
from livechat_shared.mongo import Document
from pydantic import BaseModel

ANSWERED = datetime(9999, 12, 31, tzinfo=UTC)
"""``waiting_since`` of a chat whose person has had an agent's answer: later than any message, so a
person's next message takes its place with ``$min`` in the same update that stores it."""


def display_name(name: str | None) -> str:
    return name or "Unknown"


class Person(Document):
    """Someone who wrote on a channel app, known by the channel's id for them."""

    workspace_id: str
    app_id: str
    external_id: str
    channel: str
    name: str | None = None
    language: str | None = None
    created_at: datetime
    last_seen_at: datetime | None = None


class PersonOnChat(BaseModel):
    id: str
    name: str


_INDEX_FIELDS = {"facets", "terms", "message_terms"}


class Chat(Document):
    """A conversation with one person on one app. ``version`` grows with every change; ``next_seq``
    is the ``seq`` the chat's latest message took. ``current`` marks the chat a person's next
    message goes to."""

    workspace_id: str
    teamspace_id: str
    app_id: str
    app: AppRef
    person_id: str
    person: PersonOnChat
    person_external_id: str
    current: bool = True
    mode: ChatMode
    status: ChatStatus
    assignee_id: str | None = None
    team_ids: list[str] = []
    description: str = ""
    tags: list[str] = []
    custom_fields: dict[str, Any] = {}
    rating: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None = None
    version: int
    next_seq: int
    waiting_since: datetime | None = None
    """When the person's oldest message that no agent has answered yet came (:data:`ANSWERED` once
    an agent replied): the overdue rule compares it with the teamspace's reply-time limit."""
    target: HandoffTarget | None = None
    """Who the chat may go to while it waits for an agent: the AI's handoff's target, or the team a
    user transferred it to (storage only: routing learns it from the placement events)."""
    handoff_summary: str | None = None
    """The AI's summary of the conversation for the agent, from its latest handoff (storage only)."""
    person_language: str | None = None
    """The person's language as the channel told it when the chat started (storage only: the
    message events carry it, without a read of the person per message)."""
    facets: list[str] = []
    """What the chat table filters by, one key per value (storage only: :mod:`inbox.core.search`)."""
    terms: list[str] = []
    """The words the chat table's search finds the chat by (storage only: :mod:`inbox.core.search`)."""
    message_terms: list[str] = []
    """The part of ``terms`` its messages gave (storage only)."""

    def scope(self) -> ChatScope:
        return ChatScope(
            workspace_id=self.workspace_id, assignee_id=self.assignee_id, team_ids=tuple(self.team_ids)
        )

    def snapshot(self) -> ChatSnapshot:
        """The chat as agents and the bus see it (the contract ignores the storage-only fields)."""
        return ChatSnapshot.model_validate(self.model_dump(exclude=_INDEX_FIELDS))


class ChatTombstone(Document):
    """What is kept of a deleted chat for a while (``_id``: the chat's id), so that a client that
    missed the ``chat.deleted`` frame learns it from ``GET /v1/sync``: who could have seen the chat
    (its workspace, assignee and teams as they were when it was deleted, the fields visibility is
    decided by) and when it went — none of its content."""

    workspace_id: str
    assignee_id: str | None = None
    team_ids: list[str] = []
    deleted_at: datetime
    """Its place in the resync's order, with the chat id: what ``updated_at`` is to a chat."""
    expire_at: datetime
    """When the database drops it (a TTL index: :class:`inbox.core.store.TombstoneStore`)."""


class Message(Document):
    """A message in a chat, numbered by ``seq`` in the order it was stored."""

    workspace_id: str
    chat_id: str
    seq: int
    author: Author
    text: str = ""
    attachments: list[Attachment] = []
    created_at: datetime
    delivery: DeliveryState | None = None
    delivery_error: str | None = None
    kind: AiReplyKind | None = None
    """An AI message's purpose (``MessageView.kind``)."""
    inbound_key: str | None = None
    """``<app_id>:<channel message id>`` of a person's message: stored once, however often it arrives."""
    client_key: str | None = None
    """``<chat>:<user>:<client_message_id>`` of an agent's reply: a retried reply is stored once."""

    def view(self) -> MessageView:
        """The message as agents and the bus see it (without its natural keys)."""
        return MessageView.model_validate(self.model_dump())


def next_message(
    chat: Chat,
    author: Author,
    *,
    text: str,
    attachments: Sequence[Attachment],
    created_at: datetime,
    delivery: DeliveryState | None = None,
    inbound_key: str | None = None,
    client_key: str | None = None,
    seq: int | None = None,
    kind: AiReplyKind | None = None,
) -> Message:
    """A message taking the chat's next ``seq`` (already reserved on ``chat`` by the update that
    bumped its version), or ``seq`` when the update reserved several."""
    return Message(
        id=new_id(),
        workspace_id=chat.workspace_id,
        chat_id=chat.id,
        seq=chat.next_seq if seq is None else seq,
        author=author,
        text=text,
        attachments=list(attachments),
        created_at=created_at,
        delivery=delivery,
        inbound_key=inbound_key,
        client_key=client_key,
        kind=kind,
    )
