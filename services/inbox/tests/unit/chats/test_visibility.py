"""The chat-list filter agrees with the scope rule on a grid of users and chats."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from inbox.core.store import visibility_query
from livechat_shared.auth import ChatScope, Principal, Role, can_see_chat

# --- a matcher for exactly the query operators visibility_query uses -------------------------

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


def scope_of(chat: dict[str, Any]) -> ChatScope:
    return ChatScope(
        workspace_id=chat["workspace_id"],
        assignee_id=chat.get("assignee_id"),
        team_ids=tuple(chat.get("team_ids", ())),
    )


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
def test_visibility_query_agrees_with_can_see_chat(user: Principal) -> None:
    query = visibility_query(user)
    disagreements = [
        (chat, expected)
        for chat in CHATS
        if matches(chat, query) is not (expected := can_see_chat(user, scope_of(chat)))
    ]
    assert disagreements == []
    # the grid is not trivial for anyone: each user sees something and misses something
    seen = [chat for chat in CHATS if matches(chat, query)]
    assert 0 < len(seen) < len(CHATS)


def test_visibility_query_shapes() -> None:
    admin, sup, agent = USERS[0], USERS[2], USERS[5]
    assert visibility_query(admin) == {"workspace_id": WS}
    assert visibility_query(sup) == {
        "workspace_id": WS,
        "$or": [{"assignee_id": "sup-1"}, {"team_ids": {"$in": ["t-1", "t-2"]}}],
    }
    assert visibility_query(agent) == {
        "workspace_id": WS,
        "$or": [{"assignee_id": "agent-1"}, {"assignee_id": None, "team_ids": {"$in": ["t-1"]}}],
    }
