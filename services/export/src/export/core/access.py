"""Who may see which chat of the read model: the same rule as everywhere
(:func:`livechat_shared.auth.can_see_chat`), as a query for the exports' lists."""

from __future__ import annotations

from typing import Any

from livechat_shared.auth import Permission, Principal, Role

NOTHING: dict[str, Any] = {"_id": {"$in": []}}


def scope_query(user: Principal) -> dict[str, Any]:
    """The MongoDB filter equivalent of ``can_see_chat(user, chat)``: an admin the whole workspace,
    a supervisor their teams' chats and their own, an agent their own chats and their teams' chats
    nobody is assigned to."""
    if not user.has(Permission.VIEW):
        return NOTHING
    base: dict[str, Any] = {"workspace_id": user.workspace_id}
    if user.role is Role.ADMIN:
        return base
    teams = sorted(user.teams)
    mine: dict[str, Any] = {"assignee_id": user.user_id}
    if user.role is Role.SUPERVISOR:
        return {**base, "$or": [mine, {"team_ids": {"$in": teams}}]}
    return {**base, "$or": [mine, {"assignee_id": None, "team_ids": {"$in": teams}}]}
