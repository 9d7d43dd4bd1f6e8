"""Events the ingest service (the channel edge) publishes."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from .envelope import Contract
from .inbox import MessageView
from .values import Attachment, Channel, PersonRef


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
