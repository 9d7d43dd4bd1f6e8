"""Bus subscribers of the conversations feature: one handler for the ordered, per-chat queue
``aiagent.conversations`` (a chat's messages, its closing and its deletion, in order)."""

from __future__ import annotations

from typing import TypeVar

from livechat_shared.bus import Handler
from livechat_shared.contracts import ChatClosedV1, ChatDeletedV1, Contract, Envelope, MessageCreatedV1
from livechat_shared.telemetry import get_logger
from pydantic import ValidationError

from ..errors import MalformedEvent
from .use_cases import ConversationUseCases

log = get_logger(__name__)
C = TypeVar("C", bound=Contract)


def _open(envelope: Envelope, contract: type[C]) -> C:
    try:
        return envelope.open(contract)
    except ValidationError as exc:
        raise MalformedEvent(errors=exc.error_count()) from exc


def on_conversation_event(use_cases: ConversationUseCases) -> Handler:
    async def on_conversation_event(envelope: Envelope) -> None:
        if envelope.routing_key == MessageCreatedV1.routing_key():
            await use_cases.on_message(envelope, _open(envelope, MessageCreatedV1))
        elif envelope.routing_key == ChatClosedV1.routing_key():
            await use_cases.on_closed(envelope, _open(envelope, ChatClosedV1))
        elif envelope.routing_key == ChatDeletedV1.routing_key() and envelope.chat_id is not None:
            await use_cases.on_deleted(envelope.chat_id)
        else:
            log.info("event_ignored", routing_key=envelope.routing_key)

    return on_conversation_event
