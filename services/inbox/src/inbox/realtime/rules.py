"""Pure rules of the stream: which events become frames, and who may see them."""

from __future__ import annotations

from typing import Any

from livechat_shared.auth import ChatScope
from livechat_shared.contracts import ChatChangedV1, Envelope, MessageCreatedV1, MessageUpdatedV1

STREAM_KEYS: tuple[str, ...] = (
    ChatChangedV1.routing_key(),
    MessageCreatedV1.routing_key(),
    MessageUpdatedV1.routing_key(),
)
"""The events an inbox replica forwards to its agents (on its own exclusive queue)."""

Frame = dict[str, Any]


def frame_for(envelope: Envelope) -> tuple[ChatScope, Frame] | None:
    """The scope that decides who may see the event, and the frame sent to them. Frames carry the
    chat's ``version``, so a client drops stale frames and, on a gap, resyncs (``GET /v1/sync``)."""
    if envelope.routing_key == ChatChangedV1.routing_key():
        chat = envelope.open(ChatChangedV1).chat
        scope = ChatScope(
            workspace_id=chat.workspace_id, assignee_id=chat.assignee_id, team_ids=tuple(chat.team_ids)
        )
        return scope, {
            "type": "chat.changed",
            "chat_id": chat.id,
            "version": chat.version,
            "data": chat.model_dump(mode="json"),
        }
    for contract, kind in ((MessageCreatedV1, "message.created"), (MessageUpdatedV1, "message.updated")):
        if envelope.routing_key == contract.routing_key():
            event = envelope.open(contract)
            scope = ChatScope(
                workspace_id=envelope.workspace_id,
                assignee_id=event.assignee_id,
                team_ids=tuple(event.team_ids),
            )
            return scope, {
                "type": kind,
                "chat_id": event.message.chat_id,
                "version": event.chat_version,
                "data": event.message.model_dump(mode="json"),
            }
    return None
