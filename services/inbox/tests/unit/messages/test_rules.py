"""Pure rules of replies and delivery: who may send, take or take over, and how delivery moves."""

from __future__ import annotations

import pytest
from inbox.messages.rules import ReplyDecision, decide_reply, delivery_advances
from livechat_shared.auth import ROLE_PERMISSIONS, ChatScope, Permission, Principal, Role, can_see_chat

WS = "ws-1"
ME = "u-me"
OTHER = "u-other"


def user(role: Role, *, teams: tuple[str, ...] = ("t-1",), grants: tuple[Permission, ...] = ()) -> Principal:
    return Principal(user_id=ME, workspace_id=WS, role=role, teams=frozenset(teams), grants=frozenset(grants))


def own_chat() -> ChatScope:
    return ChatScope(workspace_id=WS, assignee_id=ME, team_ids=("t-2",))


def team_unassigned() -> ChatScope:
    return ChatScope(workspace_id=WS, assignee_id=None, team_ids=("t-9", "t-1"))


def team_assigned_to_other() -> ChatScope:
    return ChatScope(workspace_id=WS, assignee_id=OTHER, team_ids=("t-1",))


def other_team() -> ChatScope:
    return ChatScope(workspace_id=WS, assignee_id=None, team_ids=("t-2",))


def other_team_assigned_to_other() -> ChatScope:
    return ChatScope(workspace_id=WS, assignee_id=OTHER, team_ids=("t-2",))


def other_workspace() -> ChatScope:
    # same ids, same team, even assigned to "me": another workspace is never visible
    return ChatScope(workspace_id="ws-2", assignee_id=ME, team_ids=("t-1",))


# --- replying ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("takeover", [False, True])
def test_reply_to_own_chat_sends(role: Role, takeover: bool) -> None:
    assert decide_reply(user(role), own_chat(), takeover=takeover) is ReplyDecision.SEND


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("takeover", [False, True])
def test_reply_to_unassigned_team_chat_takes_it(role: Role, takeover: bool) -> None:
    assert decide_reply(user(role), team_unassigned(), takeover=takeover) is ReplyDecision.TAKE


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_reply_to_someone_elses_chat(role: Role) -> None:
    assert decide_reply(user(role), team_assigned_to_other(), takeover=False) is ReplyDecision.NOT_ASSIGNEE
    assert decide_reply(user(role), team_assigned_to_other(), takeover=True) is ReplyDecision.TAKEOVER


def test_admin_takes_over_outside_own_teams() -> None:
    admin = user(Role.ADMIN)
    assert decide_reply(admin, other_team_assigned_to_other(), takeover=True) is ReplyDecision.TAKEOVER
    assert decide_reply(admin, other_team(), takeover=False) is ReplyDecision.TAKE


def test_agent_without_transfer_asking_for_takeover_is_forbidden() -> None:
    agent = user(Role.AGENT)
    assert not agent.has(Permission.TRANSFER)
    assert decide_reply(agent, team_assigned_to_other(), takeover=True) is ReplyDecision.FORBIDDEN
    assert decide_reply(agent, team_assigned_to_other(), takeover=False) is ReplyDecision.FORBIDDEN


def test_reply_outside_scope_is_forbidden() -> None:
    for role in Role:
        assert decide_reply(user(role), other_workspace(), takeover=True) is ReplyDecision.FORBIDDEN
    assert decide_reply(user(Role.SUPERVISOR), other_team(), takeover=False) is ReplyDecision.FORBIDDEN
    assert decide_reply(user(Role.AGENT), other_team(), takeover=False) is ReplyDecision.FORBIDDEN


def test_reply_without_manage_is_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """A role without ``manage`` may see a chat but never reply to it, not even its own."""
    viewer = user(Role.AGENT)
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.AGENT, frozenset({Permission.VIEW}))
    assert can_see_chat(viewer, own_chat())
    assert decide_reply(viewer, own_chat(), takeover=False) is ReplyDecision.FORBIDDEN
    assert decide_reply(viewer, team_unassigned(), takeover=False) is ReplyDecision.FORBIDDEN


# --- delivery state --------------------------------------------------------------------------


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


def test_variables_are_filled_and_the_unknown_left_visible() -> None:
    from inbox.messages.rules import fill_variables

    filled = fill_variables(
        "{{person.name}}/{{agent.name}}/{{chat.id}}/{{cf.vip}}/{{cf.count}}/{{cf.gone}}/{{cf}}"
        "/{{ person.name }}/{{x}}",
        person="Ana",
        agent="Ben",
        chat_id="c-1",
        custom_fields={"vip": False, "count": 0},
    )
    assert filled == "Ana/Ben/c-1/no/0//{{cf}}/Ana/{{x}}"
    assert fill_variables("no variables {here}", person="A", agent="B", chat_id="c", custom_fields={}) == (
        "no variables {here}"
    )
