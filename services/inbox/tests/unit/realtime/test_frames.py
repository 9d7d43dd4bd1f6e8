"""Realtime frames: which events become frames, who may see them, and the hub's fan-out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.realtime.hub import StreamHub
from inbox.realtime.rules import frame_for
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import (
    AppRef,
    Author,
    ChatChangedV1,
    ChatSnapshot,
    Envelope,
    MessageCreatedV1,
    MessageReceivedV1,
    MessageView,
    OutboundRequestedV1,
    PersonRef,
)

WS = "ws-1"

# --- realtime frames --------------------------------------------------------------------------

T0 = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def _snapshot(**changes: Any) -> ChatSnapshot:
    values: dict[str, Any] = {
        "id": "chat-1",
        "workspace_id": WS,
        "teamspace_id": "ts-1",
        "app": AppRef(id="app-1", channel="webchat", name="Site"),
        "person": {"external_id": "visitor-123456", "name": "Ana"},
        "mode": "live",
        "status": "open",
        "assignee_id": None,
        "team_ids": ["t-1"],
        "created_at": T0,
        "updated_at": T0,
        "version": 7,
    }
    values.update(changes)
    return ChatSnapshot(**values)


def _message(**changes: Any) -> MessageView:
    values: dict[str, Any] = {
        "id": "msg-1",
        "chat_id": "chat-1",
        "seq": 4,
        "author": Author(type="person", name="Ana"),
        "text": "hello",
        "created_at": T0,
    }
    values.update(changes)
    return MessageView(**values)


def test_frame_for_chat_changed() -> None:
    chat = _snapshot(assignee_id="agent-1", team_ids=["t-1", "t-2"])
    envelope = Envelope.wrap(ChatChangedV1(chat=chat), workspace_id=WS, chat_id=chat.id)

    found = frame_for(envelope)

    assert found is not None
    scope, frame = found
    assert frame["type"] == "chat.changed"
    assert frame["chat_id"] == "chat-1"
    assert frame["version"] == 7
    assert frame["data"] == chat.model_dump(mode="json")
    assert set(frame) == {"type", "chat_id", "version", "data"}
    assert (scope.workspace_id, scope.assignee_id) == (WS, "agent-1")
    assert sorted(scope.team_ids) == ["t-1", "t-2"]


def test_frame_for_message_created() -> None:
    message = _message(chat_id="chat-2")
    event = MessageCreatedV1(
        chat_version=12, teamspace_id="ts-1", assignee_id=None, team_ids=["t-3"], mode="ai", message=message
    )
    envelope = Envelope.wrap(event, workspace_id=WS, chat_id="chat-2")

    found = frame_for(envelope)

    assert found is not None
    scope, frame = found
    assert frame == {
        "type": "message.created",
        "chat_id": "chat-2",
        "version": 12,
        "data": message.model_dump(mode="json"),
    }
    assert (scope.workspace_id, scope.assignee_id) == (WS, None)
    assert list(scope.team_ids) == ["t-3"]


def test_frame_for_other_events_is_none() -> None:
    received = MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        channel="webchat",
        external_message_id="v:1",
        person=PersonRef(external_id="visitor-123456"),
        text="hi",
        received_at=T0,
    )
    outbound = OutboundRequestedV1(
        app_id="app-1", channel="webchat", person_external_id="visitor-123456", message=_message()
    )
    assert frame_for(Envelope.wrap(received, workspace_id=WS)) is None
    assert frame_for(Envelope.wrap(outbound, workspace_id=WS, chat_id="chat-1")) is None


def test_frame_for_refuses_a_newer_major_version() -> None:
    envelope = Envelope.wrap(ChatChangedV1(chat=_snapshot()), workspace_id=WS)
    assert frame_for(envelope.model_copy(update={"version": 2})) is None


class _Socket:
    """Stands in for a connected agent's WebSocket: records the frames it is sent."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def send_json(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)


async def test_stream_hub_sends_a_team_chat_to_every_agent_of_the_team() -> None:
    """One event, several connected users: each user who may see the chat gets the frame."""
    hub = StreamHub()
    team = [
        Principal(user_id=f"agent-{i}", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-1"}))
        for i in range(3)
    ]
    outsider = Principal(user_id="agent-9", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-2"}))
    sockets = {user.user_id: _Socket() for user in [*team, outsider]}
    for user in [*team, outsider]:
        hub.add(sockets[user.user_id], user)  # type: ignore[arg-type]

    chat = _snapshot(assignee_id=None, team_ids=["t-1"])
    found = frame_for(Envelope.wrap(ChatChangedV1(chat=chat), workspace_id=WS, chat_id=chat.id))
    assert found is not None
    await hub.send(*found)

    received = {uid: len(s.frames) for uid, s in sockets.items()}
    assert received == {"agent-0": 1, "agent-1": 1, "agent-2": 1, "agent-9": 0}


async def test_a_moved_chat_tells_those_who_lose_it_and_only_them() -> None:
    """A takeover from the team to agent-9: the team's other agents get ``chat.removed`` (no data),
    agent-9 the new snapshot, and a user who could see neither gets nothing."""
    from inbox.realtime.rules import left_frame

    hub = StreamHub()
    users = {
        "agent-0": Principal(user_id="agent-0", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-1"})),
        "agent-9": Principal(user_id="agent-9", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-2"})),
        "agent-5": Principal(user_id="agent-5", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-5"})),
    }
    sockets = {uid: _Socket() for uid in users}
    for uid, user in users.items():
        hub.add(sockets[uid], user)  # type: ignore[arg-type]

    chat = _snapshot(assignee_id="agent-9", team_ids=["t-1"], version=8)
    moved = Envelope.wrap(
        ChatChangedV1(chat=chat, previous_assignee_id=None, previous_team_ids=["t-1"]),
        workspace_id=WS,
        chat_id=chat.id,
    )
    found = frame_for(moved)
    assert found is not None
    await hub.send(*found, left=left_frame(moved))

    assert [f["type"] for f in sockets["agent-9"].frames] == ["chat.changed"]
    assert sockets["agent-0"].frames == [
        {"type": "chat.removed", "chat_id": "chat-1", "version": 8, "data": None}
    ]
    assert sockets["agent-5"].frames == []
    unmoved = Envelope.wrap(ChatChangedV1(chat=chat), workspace_id=WS, chat_id=chat.id)
    assert left_frame(unmoved) is None  # a change that did not move the chat tells nobody it left
