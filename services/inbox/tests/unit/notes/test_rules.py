"""Who may add, edit and delete a chat's notes (pure rules, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from inbox.notes.rules import may_add_note, may_change_note, stored_time
from livechat_shared.auth import ChatScope, Principal, Role

WS = "ws-1"
AUTHOR = Principal(user_id="agent-1", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-1"}))
COLLEAGUE = Principal(user_id="agent-2", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-1"}))
OUTSIDER = Principal(user_id="agent-9", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-9"}))
SUPERVISOR = Principal(user_id="sup-1", workspace_id=WS, role=Role.SUPERVISOR, teams=frozenset({"t-1"}))
OTHER_SUPERVISOR = Principal(user_id="sup-9", workspace_id=WS, role=Role.SUPERVISOR, teams=frozenset({"t-9"}))
ADMIN = Principal(user_id="admin-1", workspace_id=WS, role=Role.ADMIN)
FOREIGN_ADMIN = Principal(user_id="admin-2", workspace_id="ws-2", role=Role.ADMIN)

TEAM_CHAT = ChatScope(workspace_id=WS, assignee_id=None, team_ids=("t-1",))
HELD_BY_COLLEAGUE = ChatScope(workspace_id=WS, assignee_id="agent-2", team_ids=("t-1",))


@pytest.mark.parametrize(
    ("user", "chat", "allowed"),
    [
        (AUTHOR, TEAM_CHAT, True),
        (SUPERVISOR, TEAM_CHAT, True),
        (ADMIN, TEAM_CHAT, True),
        (COLLEAGUE, HELD_BY_COLLEAGUE, True),  # the assignee
        (AUTHOR, HELD_BY_COLLEAGUE, False),  # an agent does not see a chat someone else holds
        (OUTSIDER, TEAM_CHAT, False),
        (OTHER_SUPERVISOR, TEAM_CHAT, False),
        (FOREIGN_ADMIN, TEAM_CHAT, False),
    ],
)
def test_who_may_add_a_note(user: Principal, chat: ChatScope, allowed: bool) -> None:
    assert may_add_note(user, chat) is allowed


@pytest.mark.parametrize(
    ("user", "chat", "allowed"),
    [
        (AUTHOR, TEAM_CHAT, True),  # its author
        (COLLEAGUE, TEAM_CHAT, False),  # another agent, even one who sees the chat
        (COLLEAGUE, HELD_BY_COLLEAGUE, False),  # ... even the chat's assignee
        (SUPERVISOR, TEAM_CHAT, True),
        (ADMIN, TEAM_CHAT, True),
        (ADMIN, HELD_BY_COLLEAGUE, True),
        (AUTHOR, HELD_BY_COLLEAGUE, False),  # the author no longer sees the chat
        (OTHER_SUPERVISOR, TEAM_CHAT, False),  # a supervisor of another team does not see it
        (OUTSIDER, TEAM_CHAT, False),
        (FOREIGN_ADMIN, TEAM_CHAT, False),
    ],
)
def test_who_may_edit_or_delete_a_note_of_agent_1(user: Principal, chat: ChatScope, allowed: bool) -> None:
    assert may_change_note(user, chat, author_id="agent-1") is allowed


def test_an_admins_own_note_is_theirs_to_change() -> None:
    assert may_change_note(ADMIN, TEAM_CHAT, author_id="admin-1")
    assert not may_change_note(COLLEAGUE, TEAM_CHAT, author_id="admin-1")


def test_stored_time_keeps_milliseconds() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
    assert stored_time(at) == datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
