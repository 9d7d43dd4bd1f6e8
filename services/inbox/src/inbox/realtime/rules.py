"""Pure rules of the stream: which events become frames, and who may see them."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from livechat_shared.auth import ChatScope, Identity, Principal, principal_for
from livechat_shared.contracts import (
    ChatChangedV1,
    ChatDeletedV1,
    DirectoryUser,
    Envelope,
    MessageCreatedV1,
    MessageUpdatedV1,
    NoteChangedV1,
    UserChangedV1,
)

STREAM_KEYS: tuple[str, ...] = (
    ChatChangedV1.routing_key(),
    ChatDeletedV1.routing_key(),
    MessageCreatedV1.routing_key(),
    MessageUpdatedV1.routing_key(),
    NoteChangedV1.routing_key(),
    UserChangedV1.routing_key(),
)
"""The events an inbox replica receives on its own exclusive queue: chat events to forward to its
agents, and directory changes that change what a connected agent may see."""


class CloseCode(IntEnum):
    """Why the stream closed a socket (application close codes; the client reconnects with a new token)."""

    TOKEN_EXPIRED = 4001
    ACCESS_REVOKED = 4003


def refreshed(current: Principal, user: DirectoryUser) -> Principal | None:
    """The connected user after a directory change: the same principal when the change is not newer
    than what it was read from, a new one with the new role/teams/grants, or ``None`` when the user
    may no longer connect (deactivated, or moved out of the workspace)."""
    if user.id != current.user_id or user.version <= current.directory_version:
        return current
    assert current.expires_at is not None
    identity = Identity(
        user_id=current.user_id, workspace_id=current.workspace_id, expires_at=current.expires_at
    )
    return principal_for(identity, user)


Frame = dict[str, Any]


def left_frame(envelope: Envelope) -> tuple[ChatScope, Frame] | None:
    """For a change that moved a chat (transfer, takeover): the scope it had before, and the frame
    ``chat.removed`` (no data) for the users who could see it then and cannot now."""
    if envelope.routing_key != ChatChangedV1.routing_key():
        return None
    event = envelope.open(ChatChangedV1)
    if event.previous_team_ids is None:
        return None
    before = ChatScope(
        workspace_id=event.chat.workspace_id,
        assignee_id=event.previous_assignee_id,
        team_ids=tuple(event.previous_team_ids),
    )
    return before, {
        "type": "chat.removed",
        "chat_id": event.chat.id,
        "version": event.chat.version,
        "data": None,
    }


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
    if envelope.routing_key == ChatDeletedV1.routing_key() and envelope.chat_id is not None:
        deleted = envelope.open(ChatDeletedV1)
        scope = ChatScope(
            workspace_id=envelope.workspace_id,
            assignee_id=deleted.assignee_id,
            team_ids=tuple(deleted.team_ids),
        )
        frame = {"type": "chat.deleted", "chat_id": envelope.chat_id, "version": deleted.chat_version}
        return scope, {**frame, "data": None}
    if envelope.routing_key == NoteChangedV1.routing_key():
        changed = envelope.open(NoteChangedV1)
        scope = ChatScope(
            workspace_id=envelope.workspace_id,
            assignee_id=changed.assignee_id,
            team_ids=tuple(changed.team_ids),
        )
        return scope, {
            "type": "note.changed",
            "chat_id": changed.chat_id,
            "version": changed.chat_version,
            "data": {"note": changed.note.model_dump(mode="json"), "deleted": changed.deleted},
        }
    return None
