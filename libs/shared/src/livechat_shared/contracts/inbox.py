"""Events the inbox service (the system of record) publishes, and the views they carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from .envelope import Contract
from .values import AppRef, Attachment, Author, Channel, ChatMode, ChatStatus, DeliveryState


class ChatSnapshot(BaseModel):
    """The full state of a chat as agents see it; ``version`` grows with every change."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    workspace_id: str
    teamspace_id: str
    app: AppRef
    person: dict[str, Any]
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


class MessageView(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    chat_id: str
    seq: int
    author: Author
    text: str
    attachments: list[Attachment] = []
    created_at: datetime
    delivery: DeliveryState | None = None


class ChatChangedV1(Contract):
    """A chat was created or changed; carries the whole snapshot and its ``version``."""

    event_type: ClassVar[str] = "inbox.chat.changed"

    chat: ChatSnapshot


class MessageEvent(Contract):
    """A message with the chat fields that decide who may see it and the chat's current version."""

    chat_version: int
    teamspace_id: str
    assignee_id: str | None = None
    team_ids: list[str] = []
    mode: ChatMode
    message: MessageView


class MessageCreatedV1(MessageEvent):
    """A message was stored in a chat (from a person, the AI, an agent or the system)."""

    event_type: ClassVar[str] = "inbox.message.created"


class MessageUpdatedV1(MessageEvent):
    """A stored message changed; today that is its delivery state."""

    event_type: ClassVar[str] = "inbox.message.updated"


class OutboundRequestedV1(Contract):
    """A message for the person was stored and must be delivered on the chat's channel."""

    event_type: ClassVar[str] = "inbox.outbound.requested"

    app_id: str
    channel: Channel
    person_external_id: str
    message: MessageView
