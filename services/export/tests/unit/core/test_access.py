"""The exports' scope query selects exactly the chats ``can_see_chat`` lets the user see."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from export.core.access import NOTHING, scope_query
from livechat_shared.auth import ChatScope, Principal, Role, can_see_chat

USERS = [
    Principal(user_id="u-admin", workspace_id="ws-1", role=Role.ADMIN),
    Principal(user_id="u-sup", workspace_id="ws-1", role=Role.SUPERVISOR, teams=frozenset({"t-1"})),
    Principal(user_id="u-agent", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1", "t-2"})),
    Principal(user_id="u-lonely", workspace_id="ws-1", role=Role.AGENT),
    Principal(user_id="u-other", workspace_id="ws-2", role=Role.ADMIN),
]
CHATS = [
    {"workspace_id": ws, "assignee_id": assignee, "team_ids": teams}
    for ws, assignee, teams in itertools.product(
        ("ws-1", "ws-2"),
        (None, "u-sup", "u-agent", "u-someone"),
        ([], ["t-1"], ["t-2"], ["t-3"], ["t-1", "t-3"]),
    )
]


@pytest.mark.parametrize("user", USERS, ids=lambda u: u.user_id)
def test_the_query_agrees_with_can_see_chat(
    user: Principal, match: Callable[[dict[str, Any], dict[str, Any]], bool]
) -> None:
    query = scope_query(user)
    for chat in CHATS:
        scope = ChatScope(
            workspace_id=chat["workspace_id"],
            assignee_id=chat["assignee_id"],
            team_ids=tuple(chat["team_ids"]),
        )
        assert match(chat, query) == can_see_chat(user, scope), (user.user_id, chat)


def test_admins_see_their_whole_workspace_and_nothing_else() -> None:
    assert scope_query(USERS[0]) == {"workspace_id": "ws-1"}


def test_without_the_view_permission_nothing_is_selected() -> None:
    class Blind(Principal):
        def has(self, permission: object) -> bool:
            return False

    blind = Blind(user_id="u-x", workspace_id="ws-1", role=Role.ADMIN)
    assert scope_query(blind) == NOTHING
