"""Pure inbox rules: the list filter agrees with the scope rule, realtime frames, reply validation."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.domain import ReplyCreate, scope_of, visibility_filter
from inbox.realtime import StreamHub, frame_for
from livechat_shared.auth import Principal, Role, can_see_chat
from livechat_shared.events import (
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
from pydantic import ValidationError

# --- a matcher for exactly the query operators visibility_filter uses -------------------------

_MISSING = object()


def _field_matches(value: Any, condition: Any) -> bool:
    """MongoDB semantics for one field: ``None`` matches null or missing; an array field matches when
    any element matches; ``{"$in": [...]}`` matches when the value (or any element) is in the list."""
    if isinstance(condition, dict):
        operators = set(condition)
        assert operators == {"$in"}, f"matcher does not know {operators}"
        options = condition["$in"]
        assert isinstance(options, list)
        if value is _MISSING:
            return None in options
        if isinstance(value, list):
            return any(v in options for v in value)
        return value in options
    if condition is None:
        return value is _MISSING or value is None
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return condition in value or value == condition
    return value == condition


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, condition in query.items():
        if key == "$or":
            assert isinstance(condition, list) and condition
            if not any(matches(doc, sub) for sub in condition):
                return False
        elif key.startswith("$"):
            raise AssertionError(f"matcher does not know {key}")
        elif not _field_matches(doc.get(key, _MISSING), condition):
            return False
    return True


def test_matcher_itself() -> None:
    doc = {"a": 1, "tags": ["x", "y"], "n": None}
    assert matches(doc, {"a": 1})
    assert not matches(doc, {"a": 2})
    assert matches(doc, {"n": None}) and matches(doc, {"missing": None})
    assert not matches(doc, {"a": None})
    assert matches(doc, {"tags": {"$in": ["y", "z"]}})
    assert not matches(doc, {"tags": {"$in": []}})
    assert not matches(doc, {"missing": {"$in": ["x"]}})
    assert matches(doc, {"$or": [{"a": 2}, {"tags": "x"}]})
    assert not matches(doc, {"a": 1, "$or": [{"a": 2}, {"tags": "z"}]})


# --- the grid ---------------------------------------------------------------------------------

WS, OTHER_WS = "ws-1", "ws-2"

USERS = [
    Principal(user_id=uid, workspace_id=ws, role=role, teams=frozenset(teams))
    for uid, ws, role, teams in [
        ("admin", WS, Role.ADMIN, ()),
        ("admin-2", OTHER_WS, Role.ADMIN, ("t-1",)),
        ("sup-1", WS, Role.SUPERVISOR, ("t-1", "t-2")),
        ("sup-2", WS, Role.SUPERVISOR, ("t-3",)),
        ("sup-lonely", WS, Role.SUPERVISOR, ()),
        ("agent-1", WS, Role.AGENT, ("t-1",)),
        ("agent-2", WS, Role.AGENT, ("t-2", "t-3")),
        ("agent-lonely", WS, Role.AGENT, ()),
        ("agent-x", OTHER_WS, Role.AGENT, ("t-1",)),
    ]
]


def _chats() -> list[dict[str, Any]]:
    assignees = [
        _MISSING,
        None,
        "agent-1",
        "agent-2",
        "agent-lonely",
        "sup-1",
        "sup-lonely",
        "admin",
        "agent-x",
        "someone-else",
    ]
    team_sets = [_MISSING, [], ["t-1"], ["t-2"], ["t-1", "t-3"], ["t-9"]]
    chats = []
    for n, (ws, assignee, teams) in enumerate(itertools.product([WS, OTHER_WS], assignees, team_sets)):
        chat: dict[str, Any] = {"_id": f"chat-{n}", "workspace_id": ws, "status": "open"}
        if assignee is not _MISSING:
            chat["assignee_id"] = assignee
        if teams is not _MISSING:
            chat["team_ids"] = teams
        chats.append(chat)
    return chats


CHATS = _chats()


@pytest.mark.parametrize("user", USERS, ids=lambda u: u.user_id)
def test_visibility_filter_agrees_with_can_see_chat(user: Principal) -> None:
    query = visibility_filter(user)
    disagreements = [
        (chat, expected)
        for chat in CHATS
        if matches(chat, query) is not (expected := can_see_chat(user, scope_of(chat)))
    ]
    assert disagreements == []
    # the grid is not trivial for anyone: each user sees something and misses something
    seen = [chat for chat in CHATS if matches(chat, query)]
    assert 0 < len(seen) < len(CHATS)


def test_visibility_filter_shapes() -> None:
    admin, sup, agent = USERS[0], USERS[2], USERS[5]
    assert visibility_filter(admin) == {"workspace_id": WS}
    assert visibility_filter(sup) == {
        "workspace_id": WS,
        "$or": [{"assignee_id": "sup-1"}, {"team_ids": {"$in": ["t-1", "t-2"]}}],
    }
    assert visibility_filter(agent) == {
        "workspace_id": WS,
        "$or": [{"assignee_id": "agent-1"}, {"assignee_id": None, "team_ids": {"$in": ["t-1"]}}],
    }


def test_scope_of_reads_a_stored_chat() -> None:
    scope = scope_of({"_id": "c", "workspace_id": WS, "assignee_id": "agent-1", "team_ids": ["t-1", "t-2"]})
    assert scope.workspace_id == WS
    assert scope.assignee_id == "agent-1"
    assert sorted(scope.team_ids) == ["t-1", "t-2"]
    bare = scope_of({"_id": "c", "workspace_id": WS})
    assert bare.assignee_id is None
    assert list(bare.team_ids) == []


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
    await hub.on_event(Envelope.wrap(ChatChangedV1(chat=chat), workspace_id=WS, chat_id=chat.id))

    received = {uid: len(s.frames) for uid, s in sockets.items()}
    assert received == {"agent-0": 1, "agent-1": 1, "agent-2": 1, "agent-9": 0}


# --- replies ----------------------------------------------------------------------------------


def test_reply_with_text() -> None:
    reply = ReplyCreate(text="On its way!", client_message_id="c-1")
    assert reply.attachments == []
    assert reply.alias_id is None


def test_reply_with_only_an_attachment() -> None:
    reply = ReplyCreate(
        attachments=[{"url": "https://files.example/label.pdf", "content_type": "application/pdf"}],
        client_message_id="c-2",
    )
    assert reply.text == ""
    assert reply.attachments[0].content_type == "application/pdf"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_reply_without_text_or_attachment_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="needs text or at least one attachment"):
        ReplyCreate(text=text, client_message_id="c-3")


def test_reply_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError) as info:
        ReplyCreate(text="hi", client_message_id="c-4", assignee_id="agent-1")
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_reply_needs_a_client_message_id() -> None:
    with pytest.raises(ValidationError):
        ReplyCreate(text="hi")
    with pytest.raises(ValidationError):
        ReplyCreate(text="hi", client_message_id="")
    with pytest.raises(ValidationError):
        ReplyCreate(text="hi", client_message_id="x" * 101)


def test_reply_limits() -> None:
    ReplyCreate(text="x" * 4096, client_message_id="c-5")
    with pytest.raises(ValidationError):
        ReplyCreate(text="x" * 4097, client_message_id="c-5")
    attachment = {"url": "https://files.example/a.png", "content_type": "image/png"}
    ReplyCreate(attachments=[attachment] * 10, client_message_id="c-6")
    with pytest.raises(ValidationError):
        ReplyCreate(attachments=[attachment] * 11, client_message_id="c-6")


# --- delivery state --------------------------------------------------------------------------

from inbox.domain import delivery_advances  # noqa: E402


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        ("pending", "sent", True),
        ("pending", "delivered", True),
        ("sent", "delivered", True),
        ("delivered", "read", True),
        (None, "sent", True),
        ("sent", "sent", False),
        ("delivered", "sent", False),
        ("read", "delivered", False),
        ("pending", "failed", True),
        ("sent", "failed", True),
        ("delivered", "failed", False),
        ("failed", "failed", False),
        ("failed", "sent", False),
        ("failed", "delivered", True),
    ],
)
def test_delivery_state_only_moves_forward(current: str | None, new: str, moves: bool) -> None:
    assert delivery_advances(current, new) is moves
