"""The shapes of outbound delivery: a call to a provider, and what is stored about each message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from livechat_shared.mongo import Document


@dataclass(frozen=True)
class ProviderRequest:
    """One call to a provider's send API: a POST of ``body`` (JSON) to ``<api url>/<path>``."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


class SentMessage(Document):
    """A message a provider took; ``id`` is ``<app_id>:<provider message id>``, so a status callback
    (which names only the provider's id) maps back to our message."""

    workspace_id: str
    app_id: str
    chat_id: str
    message_id: str
    at: datetime

    @staticmethod
    def key(app_id: str, provider_message_id: str) -> str:
        return f"{app_id}:{provider_message_id}"


class DeadLetter(Document):
    """An outbound event given up on, kept whole for an operator; ``id`` is the envelope's event id,
    so the same event failing again after a redelivery replaces its letter."""

    workspace_id: str
    app_id: str
    channel: str
    message_id: str
    envelope: dict[str, Any]
    """The ``OutboundRequestedV1`` envelope as it came (JSON), to publish again."""
    error: str
    at: datetime
