"""Bus subscriber of the AI agent feature: the ``inbox.ai`` queue carries three events."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import AiReplyCreatedV1, ChatHandedOffV1, Envelope, FeedbackCollectedV1
from livechat_shared.telemetry import get_logger

from .use_cases import AiAgentUseCases

log = get_logger(__name__)


def on_ai_event(use_cases: AiAgentUseCases) -> Handler:
    async def on_ai_event(envelope: Envelope) -> None:
        key = envelope.routing_key
        if key == AiReplyCreatedV1.routing_key():
            await use_cases.reply_created(envelope, envelope.open(AiReplyCreatedV1))
        elif key == ChatHandedOffV1.routing_key():
            await use_cases.handed_off(envelope, envelope.open(ChatHandedOffV1))
        elif key == FeedbackCollectedV1.routing_key():
            await use_cases.feedback_collected(envelope, envelope.open(FeedbackCollectedV1))
        else:  # not bound to the queue: nothing to do with it
            log.warning("unexpected_event_ignored", routing_key=key)

    return on_ai_event
