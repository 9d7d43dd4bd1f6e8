"""Bus subscriber of the routing decisions feature: the ``inbox.assignments`` queue carries two events."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import ChatAssignedV1, ChatUnassignedV1, Envelope
from livechat_shared.telemetry import get_logger

from .use_cases import RoutingDecisionUseCases

log = get_logger(__name__)


def on_routing_decision(use_cases: RoutingDecisionUseCases) -> Handler:
    async def on_routing_decision(envelope: Envelope) -> None:
        key = envelope.routing_key
        if key == ChatAssignedV1.routing_key():
            await use_cases.assigned(envelope, envelope.open(ChatAssignedV1))
        elif key == ChatUnassignedV1.routing_key():
            await use_cases.unassigned(envelope, envelope.open(ChatUnassignedV1))
        else:  # not bound to the queue: nothing to do with it
            log.warning("unexpected_event_ignored", routing_key=key)

    return on_routing_decision
