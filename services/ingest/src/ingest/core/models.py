"""The typed stored entities of the channel edge, converted at the repository boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.contracts import Channel, MessageView
from livechat_shared.mongo import Document
from pydantic import field_serializer

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer every client (JavaScript) and store reads exactly: the bound of every count."""


class App(Document):
    """A channel app: where people write from (a site's Webchat, a WhatsApp number, a bot...)."""

    workspace_id: str
    teamspace_id: str
    team_ids: list[str] = []
    channel: Channel
    name: str
    credentials: dict[str, str] = {}
    """The channel's secrets: never returned by the API (only their names)."""
    api_key_hash: str | None = None
    """The digest of an api app's key; only api apps have one (a partial unique index)."""
    identity_secret: str | None = None
    """A Webchat app's identity-verification secret: the site's backend signs its visitor ids with
    it (HMAC-SHA256), so a session for a given visitor can be proven. Never returned after creation."""
    created_at: datetime

    def to_doc(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class WebchatSession(Document):
    """A person's webchat session; ``id`` is the digest of its token, never the token itself."""

    app_id: str
    workspace_id: str
    visitor_id: str
    name: str | None = None
    language: str | None = None
    created_at: datetime
    expires_at: datetime


class MailboxEntry(Document):
    """A message for a webchat visitor; ``id`` is the message id, ``cursor`` grows per visitor."""

    app_id: str
    visitor_id: str
    cursor: int
    message: MessageView
    stored_at: datetime

    @field_serializer("message")
    def _message_as_json(self, message: MessageView) -> dict[str, Any]:
        # Stored as the JSON the visitor receives, so a replay sends exactly what was stored.
        return message.model_dump(mode="json")


class InboundKey(Document):
    """A channel message accepted before: ``id`` is ``<app_id>:<external_message_id>``."""

    at: datetime


def inbound_key_id(app_id: str, external_message_id: str) -> str:
    return f"{app_id}:{external_message_id}"
