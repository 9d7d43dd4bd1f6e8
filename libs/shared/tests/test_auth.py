"""Roles, scope rules, reply decisions and bearer tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from livechat_shared.auth import (
    ROLE_PERMISSIONS,
    ChatScope,
    Identity,
    InvalidTokenError,
    Permission,
    Principal,
    Role,
    TokenVerifier,
    can_act_on_chat,
    can_see_chat,
    issue_token,
    principal_for,
)
from livechat_shared.contracts import DirectoryUser
from livechat_shared.ids import utcnow
from livechat_shared.settings import DEV_JWT_SECRET, ServiceSettings
from pydantic import ValidationError

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


CHATS = {
    "own": own_chat,
    "team_unassigned": team_unassigned,
    "team_assigned_to_other": team_assigned_to_other,
    "other_team": other_team,
    "other_team_assigned_to_other": other_team_assigned_to_other,
    "other_workspace": other_workspace,
}

VISIBLE = {
    Role.ADMIN: {
        "own": True,
        "team_unassigned": True,
        "team_assigned_to_other": True,
        "other_team": True,
        "other_team_assigned_to_other": True,
        "other_workspace": False,
    },
    Role.SUPERVISOR: {
        "own": True,
        "team_unassigned": True,
        "team_assigned_to_other": True,
        "other_team": False,
        "other_team_assigned_to_other": False,
        "other_workspace": False,
    },
    Role.AGENT: {
        "own": True,
        "team_unassigned": True,
        "team_assigned_to_other": False,
        "other_team": False,
        "other_team_assigned_to_other": False,
        "other_workspace": False,
    },
}


# --- roles ------------------------------------------------------------------------------------


def test_admin_and_supervisor_hold_every_permission() -> None:
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert ROLE_PERMISSIONS[Role.SUPERVISOR] == frozenset(Permission)


def test_agent_permissions() -> None:
    agent = user(Role.AGENT)
    assert agent.permissions == {Permission.VIEW, Permission.MANAGE, Permission.DOWNLOAD}
    for permission in (Permission.VIEW, Permission.MANAGE, Permission.DOWNLOAD):
        assert agent.has(permission)
    for permission in (
        Permission.TRANSFER,
        Permission.EXPORT,
        Permission.DELETE,
        Permission.BAN,
        Permission.SETTINGS,
    ):
        assert not agent.has(permission)


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_grants_add_to_the_role() -> None:
    agent = user(Role.AGENT, grants=(Permission.EXPORT, Permission.TRANSFER))
    assert agent.has(Permission.EXPORT)
    assert agent.has(Permission.TRANSFER)
    assert agent.has(Permission.VIEW)
    assert not agent.has(Permission.SETTINGS)


def test_principal_refuses_empty_ids_and_unknown_roles() -> None:
    with pytest.raises(ValidationError):
        Principal(user_id="", workspace_id=WS, role=Role.AGENT)
    with pytest.raises(ValidationError):
        Principal(user_id=ME, workspace_id="", role=Role.AGENT)
    with pytest.raises(ValidationError):
        Principal(user_id=ME, workspace_id=WS, role="owner")


# --- who sees which chat ----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("chat", list(CHATS))
def test_can_see_chat_table(role: Role, chat: str) -> None:
    assert can_see_chat(user(role), CHATS[chat]()) is VISIBLE[role][chat]


def test_user_without_teams_sees_only_own_chats() -> None:
    for role in (Role.SUPERVISOR, Role.AGENT):
        lonely = user(role, teams=())
        assert can_see_chat(lonely, own_chat())
        assert not can_see_chat(lonely, team_unassigned())
        assert not can_see_chat(lonely, team_assigned_to_other())
    assert can_see_chat(user(Role.ADMIN, teams=()), team_assigned_to_other())


def test_chat_without_teams() -> None:
    orphan = ChatScope(workspace_id=WS)
    assert can_see_chat(user(Role.ADMIN), orphan)
    assert not can_see_chat(user(Role.SUPERVISOR), orphan)
    assert not can_see_chat(user(Role.AGENT), orphan)


def test_chat_scope_ignores_unrelated_chat_fields() -> None:
    scope = ChatScope.model_validate({"workspace_id": WS, "assignee_id": ME, "status": "open", "tags": []})
    assert can_see_chat(user(Role.AGENT), scope)


def test_a_scope_gives_the_same_answer_every_time_it_is_asked() -> None:
    """The realtime hub checks one event's scope against every connected user in turn, so a scope
    must be reusable: asking about a second user may not change the answer for a third."""
    scope = team_unassigned()
    agents = [
        Principal(user_id=f"agent-{i}", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-1"}))
        for i in range(3)
    ]
    assert [can_see_chat(agent, scope) for agent in agents] == [True, True, True]


def test_can_act_needs_sight_and_permission() -> None:
    agent = user(Role.AGENT)
    assert can_act_on_chat(agent, own_chat(), Permission.MANAGE)
    assert not can_act_on_chat(agent, own_chat(), Permission.EXPORT)
    assert not can_act_on_chat(agent, other_team(), Permission.MANAGE)
    exporter = user(Role.AGENT, grants=(Permission.EXPORT,))
    assert can_act_on_chat(exporter, own_chat(), Permission.EXPORT)
    assert not can_act_on_chat(exporter, other_workspace(), Permission.EXPORT)


def test_a_user_without_view_sees_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.AGENT, frozenset({Permission.MANAGE}))
    assert not can_see_chat(user(Role.AGENT), own_chat())


# --- the directory decides what a caller may do -----------------------------------------------


def directory_user(**changes: Any) -> DirectoryUser:
    values: dict[str, Any] = {
        "id": ME,
        "workspace_id": WS,
        "name": "Jonas",
        "role": "agent",
        "team_ids": ["t-1", "t-2"],
        "grants": ["transfer", "export"],
        "version": 4,
    }
    return DirectoryUser(**{**values, **changes})


IDENTITY = Identity(user_id=ME, workspace_id=WS, expires_at=utcnow() + timedelta(hours=1))


def test_principal_for_takes_role_teams_and_grants_from_the_directory() -> None:
    principal = principal_for(IDENTITY, directory_user())
    assert principal == Principal(
        user_id=ME,
        workspace_id=WS,
        role=Role.AGENT,
        teams=frozenset({"t-1", "t-2"}),
        grants=frozenset({Permission.TRANSFER, Permission.EXPORT}),
        name="Jonas",
        expires_at=IDENTITY.expires_at,
        directory_version=4,
    )
    assert principal.has(Permission.TRANSFER)
    assert can_act_on_chat(principal, own_chat(), Permission.TRANSFER)
    assert not can_act_on_chat(principal, team_assigned_to_other(), Permission.TRANSFER)  # not in scope


@pytest.mark.parametrize(
    ("user", "why"),
    [
        (None, "unknown to the directory"),
        (directory_user(active=False), "deactivated"),
        (directory_user(workspace_id="ws-2"), "a user of another workspace"),
        (directory_user(id="u-someone-else"), "another user"),
    ],
)
def test_principal_for_refuses(user: DirectoryUser | None, why: str) -> None:
    assert principal_for(IDENTITY, user) is None, why


def test_a_demotion_in_the_directory_wins_over_the_token() -> None:
    assert principal_for(IDENTITY, directory_user(role="admin")).role is Role.ADMIN  # type: ignore[union-attr]
    demoted = principal_for(IDENTITY, directory_user(role="agent", grants=[]))
    assert demoted is not None and demoted.role is Role.AGENT and demoted.grants == frozenset()


def dev_settings(**overrides: Any) -> ServiceSettings:
    return ServiceSettings(**{"env": "development", "jwt_secret": DEV_JWT_SECRET, **overrides})


def sign(claims: dict[str, Any], secret: str = DEV_JWT_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def full_claims(**changes: Any) -> dict[str, Any]:
    now = utcnow()
    claims = {
        "sub": ME,
        "ws": WS,
        "role": "agent",
        "teams": ["t-1"],
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def test_issue_and_verify_round_trip() -> None:
    settings = dev_settings()
    token = issue_token(
        settings, user_id=ME, workspace_id=WS, role=Role.SUPERVISOR, teams=["t-2", "t-1"], name="Jonas"
    )
    identity = await TokenVerifier(settings).verify(token)
    assert (identity.user_id, identity.workspace_id) == (ME, WS)
    assert timedelta(hours=11) < identity.expires_at - utcnow() <= timedelta(hours=12)
    claims = jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"])
    assert claims["teams"] == ["t-1", "t-2"]
    assert claims["role"] == "supervisor"
    assert claims["exp"] - claims["iat"] == 12 * 3600


async def test_issue_accepts_a_role_name_or_none() -> None:
    settings = dev_settings()
    token = issue_token(settings, user_id=ME, workspace_id=WS, role="agent")
    assert jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"])["role"] == "agent"
    bare = issue_token(settings, user_id=ME, workspace_id=WS)
    assert "role" not in jwt.decode(bare, DEV_JWT_SECRET, algorithms=["HS256"])
    assert (await TokenVerifier(settings).verify(bare)).user_id == ME
    with pytest.raises(ValueError):
        issue_token(settings, user_id=ME, workspace_id=WS, role="owner")


async def test_issuer_and_audience_are_checked() -> None:
    settings = dev_settings(jwt_issuer="https://id.acme.example", jwt_audience="livechat")
    token = issue_token(settings, user_id=ME, workspace_id=WS, role=Role.AGENT)
    assert (await TokenVerifier(settings).verify(token)).user_id == ME

    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings(jwt_issuer="https://other.example", jwt_audience="livechat")).verify(
            token
        )
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings(jwt_issuer="https://id.acme.example", jwt_audience="other")).verify(
            token
        )
    unmarked = issue_token(dev_settings(), user_id=ME, workspace_id=WS, role=Role.AGENT)
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(settings).verify(unmarked)


async def test_role_and_perms_claims_grant_nothing() -> None:
    """A token cannot make its bearer an admin: role and grants come from the directory only."""
    identity = await TokenVerifier(dev_settings()).verify(sign(full_claims(role="admin", perms=["settings"])))
    assert set(identity.model_dump()) == {"user_id", "workspace_id", "expires_at"}
    assert principal_for(identity, directory_user(grants=[])).role is Role.AGENT  # type: ignore[union-attr]


async def test_expired_token_is_refused() -> None:
    settings = dev_settings()
    token = issue_token(settings, user_id=ME, workspace_id=WS, role=Role.AGENT, ttl=timedelta(seconds=-5))
    with pytest.raises(InvalidTokenError, match="expired"):
        await TokenVerifier(settings).verify(token)


async def test_token_signed_with_another_secret_is_refused() -> None:
    signer = dev_settings(jwt_secret="a-completely-different-secret-of-enough-length")
    token = issue_token(signer, user_id=ME, workspace_id=WS, role=Role.ADMIN)
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings()).verify(token)
    # and the signer itself accepts it, so the refusal is about the secret
    assert (await TokenVerifier(signer).verify(token)).user_id == ME


async def test_token_with_another_algorithm_is_refused() -> None:
    token = jwt.encode(full_claims(), DEV_JWT_SECRET, algorithm="HS512")
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings()).verify(token)
    unsigned = jwt.encode(full_claims(), None, algorithm="none")
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings()).verify(unsigned)


@pytest.mark.parametrize("missing", ["sub", "ws", "exp"])
async def test_token_missing_a_claim_is_refused(missing: str) -> None:
    claims = full_claims()
    del claims[missing]
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings()).verify(sign(claims))


@pytest.mark.parametrize("claims", [{"sub": ""}, {"ws": ""}, {"sub": "x" * 65}, {"exp": 10**20}, {"ws": 7}])
async def test_token_with_a_bad_claim_is_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings()).verify(sign(full_claims(**claims)))


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c", "Bearer x", "eyJhbGciOiJIUzI1NiJ9.e30."])
async def test_garbage_token_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidTokenError):
        await TokenVerifier(dev_settings()).verify(garbage)


def test_issue_token_refuses_when_an_identity_provider_is_configured() -> None:
    settings = dev_settings(jwt_jwks_url="https://id.acme.example/.well-known/jwks.json")
    with pytest.raises(RuntimeError):
        issue_token(settings, user_id=ME, workspace_id=WS, role=Role.AGENT)
