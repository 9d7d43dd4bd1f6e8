"""Bus side of assigning: the inbox's placements in, routing's decisions out."""

from __future__ import annotations

from dataclasses import dataclass

from livechat_shared.bus import EventPublisher, Handler
from livechat_shared.contracts import (
    ChatAssignedV1,
    ChatDeletedV1,
    ChatPlacementChangedV1,
    ChatUnassignedV1,
    Envelope,
)

from .schemas import ChatAssignment
from .use_cases import Routing


def on_chat_placement(routing: Routing) -> Handler:
    """``assignment.chats``: the inbox's placements of a chat, and its deletion, in order."""

    async def on_chat_placement(envelope: Envelope) -> None:
        if envelope.chat_id is None:
            raise ValueError("a placement names its chat")
        if envelope.routing_key == ChatDeletedV1.routing_key():
            deleted = envelope.open(ChatDeletedV1)
            await routing.forget(envelope.workspace_id, envelope.chat_id, deleted.teamspace_id)
            return
        await routing.place(envelope.workspace_id, envelope.chat_id, envelope.open(ChatPlacementChangedV1))

    return on_chat_placement


@dataclass
class BusAnnouncer:
    """Publishes a chat's stored announcement (with the broker's confirm): ``assigned`` or
    ``unassigned``."""

    publisher: EventPublisher

    async def announce(self, chat: ChatAssignment) -> None:
        said = chat.announce
        if said is None:
            return
        event: ChatAssignedV1 | ChatUnassignedV1
        if said.kind == "assigned":
            event = ChatAssignedV1(
                teamspace_id=chat.teamspace_id,
                assignee_id=said.agent_id,
                method=said.method,
                reason=said.reason[:2000],
                chat_version=chat.inbox_version,
            )
        else:
            event = ChatUnassignedV1(
                teamspace_id=chat.teamspace_id, from_assignee_id=said.agent_id, reason=said.reason[:2000]
            )
        await self.publisher.publish(Envelope.wrap(event, workspace_id=chat.workspace_id, chat_id=chat.id))
