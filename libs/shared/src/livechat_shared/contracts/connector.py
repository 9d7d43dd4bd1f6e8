"""Events an external channel connector publishes straight to the suite's exchange (a bridge for a
channel the suite has no webhook for): the connector holds broker credentials, names an API-channel
app of its workspace, and ingest checks, deduplicates and bans them exactly as the API channel's HTTP
endpoint does."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .envelope import Contract
from .values import Attachment, PersonRef


class ConnectorMessageV1(Contract):
    """A person's message as a connector received it. Publish it in an envelope with the app's
    ``workspace_id`` and routing key ``connector.message.received.v1`` to the events exchange; a
    repeat of ``external_message_id`` on the same app is accepted once."""

    event_type: ClassVar[str] = "connector.message.received"

    app_id: str = Field(min_length=1, max_length=100)
    """An app of channel ``api`` in the envelope's workspace."""
    external_message_id: str = Field(min_length=1, max_length=200)
    person: PersonRef
    text: str = Field(default="", max_length=8192)
    attachments: list[Attachment] = Field(default=[], max_length=10)
