"""The event envelope and the contracts of the domain events.

An event is a fact in the past tense. Its routing key is ``<type>.v<version>`` where ``type`` is
``<producer>.<entity>.<event>``. A breaking change gets a new major version (a new class and a new
routing key); additive fields keep the version, and readers ignore fields they do not know.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .ids import new_id, utcnow


class Contract(BaseModel):
    """Base of every event payload: the class knows its type and major version."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.event_type}.v{cls.event_version}"


C = TypeVar("C", bound=Contract)


class Envelope(BaseModel):
    """What travels on the bus: metadata, then the payload."""

    model_config = ConfigDict(extra="ignore")

    event_id: str = Field(default_factory=new_id)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=utcnow)
    workspace_id: str
    chat_id: str | None = None
    correlation_id: str
    causation_id: str | None = None
    payload: dict[str, Any]

    @property
    def routing_key(self) -> str:
        return f"{self.type}.v{self.version}"

    @classmethod
    def wrap(
        cls,
        payload: Contract,
        *,
        workspace_id: str,
        chat_id: str | None = None,
        correlation_id: str | None = None,
        causation: Envelope | None = None,
    ) -> Envelope:
        event_id = new_id()
        if causation is not None:
            correlation_id = correlation_id or causation.correlation_id
        return cls(
            event_id=event_id,
            type=payload.event_type,
            version=payload.event_version,
            workspace_id=workspace_id,
            chat_id=chat_id,
            correlation_id=correlation_id or event_id,
            causation_id=causation.event_id if causation else None,
            payload=payload.model_dump(mode="json"),
        )

    def open(self, contract: type[C]) -> C:
        if (self.type, self.version) != (contract.event_type, contract.event_version):
            raise ValueError(f"envelope holds {self.routing_key}, not {contract.routing_key()}")
        return contract.model_validate(self.payload)


# --- shared value objects -------------------------------------------------------------------

Channel = Literal["webchat", "whatsapp", "messenger", "telegram", "api"]
AuthorType = Literal["person", "ai", "agent", "system"]
ChatMode = Literal["ai", "live"]
ChatStatus = Literal["open", "pending", "overdue", "resolved", "closed"]
DeliveryState = Literal["pending", "sent", "delivered", "read", "failed"]


class Attachment(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str = Field(max_length=2048)
    content_type: str = Field(max_length=200)
    name: str | None = Field(default=None, max_length=300)
    size: int | None = Field(default=None, ge=0)


class PersonRef(BaseModel):
    """A person as a channel identifies them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    external_id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=35)


class Author(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: AuthorType
    id: str | None = None
    name: str | None = None
    alias: str | None = None


# --- ingest ---------------------------------------------------------------------------------


class MessageReceivedV1(Contract):
    """A person's message arrived on a channel app, verified, normalised and deduplicated."""

    event_type: ClassVar[str] = "ingest.message.received"

    app_id: str
    app_name: str | None = None
    teamspace_id: str
    team_ids: list[str] = []
    """The teams that serve the app: they see its chats before a human is assigned."""
    channel: Channel
    external_message_id: str
    person: PersonRef
    text: str = ""
    attachments: list[Attachment] = []
    received_at: datetime


# --- inbox ----------------------------------------------------------------------------------


class AppRef(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    channel: Channel
    name: str | None = None


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


class _MessageEvent(Contract):
    """A message with the chat fields that decide who may see it and the chat's current version."""

    chat_version: int
    teamspace_id: str
    assignee_id: str | None = None
    team_ids: list[str] = []
    mode: ChatMode
    message: MessageView


class MessageCreatedV1(_MessageEvent):
    """A message was stored in a chat (from a person, the AI, an agent or the system)."""

    event_type: ClassVar[str] = "inbox.message.created"


class MessageUpdatedV1(_MessageEvent):
    """A stored message changed; today that is its delivery state."""

    event_type: ClassVar[str] = "inbox.message.updated"


class OutboundRequestedV1(Contract):
    """A message for the person was stored and must be delivered on the chat's channel."""

    event_type: ClassVar[str] = "inbox.outbound.requested"

    app_id: str
    channel: Channel
    person_external_id: str
    message: MessageView


class WebchatMessageStoredV1(Contract):
    """A message for a webchat visitor was stored in their mailbox under ``cursor`` (growing per
    visitor); every ingest replica pushes it to the visitor's sockets it holds."""

    event_type: ClassVar[str] = "ingest.webchat.stored"

    app_id: str
    visitor_id: str
    cursor: int
    message: MessageView


class DeliveryUpdatedV1(Contract):
    """The channel made progress delivering a message to the person (or gave up)."""

    event_type: ClassVar[str] = "ingest.delivery.updated"

    app_id: str
    chat_id: str
    message_id: str
    state: Literal["sent", "delivered", "read", "failed"]
    error: str | None = None
    at: datetime


CONTRACTS: tuple[type[Contract], ...] = (
    MessageReceivedV1,
    ChatChangedV1,
    MessageCreatedV1,
    OutboundRequestedV1,
    WebchatMessageStoredV1,
    DeliveryUpdatedV1,
    MessageUpdatedV1,
)
