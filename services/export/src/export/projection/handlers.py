"""Bus subscriber of the projection: one handler for the ordered, per-chat queue ``export.chats``."""

from __future__ import annotations

from typing import TypeVar

from livechat_shared.bus import Handler
from livechat_shared.contracts import (
    ChatChangedV1,
    ChatDeletedV1,
    Contract,
    Envelope,
    MessageCreatedV1,
    MessageUpdatedV1,
)
from livechat_shared.telemetry import get_logger
from pydantic import ValidationError

from ..errors import MalformedEvent
from .use_cases import ProjectionUseCases

log = get_logger(__name__)
C = TypeVar("C", bound=Contract)


def _open(envelope: Envelope, contract: type[C]) -> C:
    try:
        return envelope.open(contract)
    except ValidationError as exc:
        raise MalformedEvent(errors=exc.error_count()) from exc


def on_inbox_event(use_cases: ProjectionUseCases) -> Handler:
    async def on_inbox_event(envelope: Envelope) -> None:
        key = envelope.routing_key
        if key == ChatChangedV1.routing_key():
            await use_cases.chat_changed(envelope, _open(envelope, ChatChangedV1))
        elif key == MessageCreatedV1.routing_key():
            await use_cases.message(envelope, _open(envelope, MessageCreatedV1))
        elif key == MessageUpdatedV1.routing_key():
            await use_cases.message(envelope, _open(envelope, MessageUpdatedV1))
        elif key == ChatDeletedV1.routing_key():
            await use_cases.chat_deleted(envelope, _open(envelope, ChatDeletedV1))
        else:
            log.info("event_ignored", routing_key=key)

    return on_inbox_event
