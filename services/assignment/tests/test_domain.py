"""Validation of the directory's request bodies: users, teams, teamspaces and the workspace."""

from __future__ import annotations

from typing import Any

import pytest
from assignment.domain import TeamCreate, TeamspaceCreate, TeamUpdate, UserCreate, UserUpdate, WorkspaceUpdate
from livechat_shared.auth import Role
from pydantic import ValidationError


def user_create(**changes: Any) -> UserCreate:
    values: dict[str, Any] = {"name": "Jonas Becker", "email": "jonas.becker@acme.example"}
    values.update(changes)
    return UserCreate(**values)


def error_locations(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[Any, ...]]:
    return [e["loc"] for e in exc.value.errors()]


# --- creating users ---------------------------------------------------------------------------


def test_user_create_defaults() -> None:
    user = user_create()
    assert user.role is Role.AGENT
    assert user.team_ids == []
    assert user.languages == []
    assert user.max_chats is None
    assert user.email == "jonas.becker@acme.example"


def test_user_create_full() -> None:
    user = user_create(role="supervisor", team_ids=["t-1", "t-2"], languages=["de", "en"], max_chats=8)
    assert user.role is Role.SUPERVISOR
    assert user.team_ids == ["t-1", "t-2"]
    assert user.max_chats == 8


@pytest.mark.parametrize(
    "email", ["", "jonas", "jonas@", "@acme.example", "jonas@@acme.example", "jonas becker@acme.example"]
)
def test_user_create_refuses_a_bad_email(email: str) -> None:
    with pytest.raises(ValidationError) as info:
        user_create(email=email)
    assert error_locations(info) == [("email",)]


def test_user_create_needs_an_email_and_a_name() -> None:
    with pytest.raises(ValidationError) as info:
        UserCreate(name="Jonas")
    assert error_locations(info) == [("email",)]
    with pytest.raises(ValidationError) as info:
        UserCreate(email="jonas@acme.example")
    assert error_locations(info) == [("name",)]
    with pytest.raises(ValidationError):
        user_create(name="")
    with pytest.raises(ValidationError):
        user_create(name="x" * 121)


@pytest.mark.parametrize("role", ["owner", "Admin", "", "root"])
def test_user_create_refuses_an_unknown_role(role: str) -> None:
    with pytest.raises(ValidationError) as info:
        user_create(role=role)
    assert error_locations(info) == [("role",)]


@pytest.mark.parametrize("role", list(Role))
def test_user_create_accepts_every_role(role: Role) -> None:
    assert user_create(role=role.value).role is role


@pytest.mark.parametrize("field", ["password", "workspace_id", "id", "grants"])
def test_user_create_refuses_extra_fields(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        user_create(**{field: "x"})
    assert info.value.errors()[0]["type"] == "extra_forbidden"
    assert error_locations(info) == [(field,)]


@pytest.mark.parametrize("max_chats", [-1, -100, 1001])
def test_user_create_refuses_max_chats_out_of_range(max_chats: int) -> None:
    with pytest.raises(ValidationError) as info:
        user_create(max_chats=max_chats)
    assert error_locations(info) == [("max_chats",)]


@pytest.mark.parametrize("max_chats", [0, 1, 1000])
def test_user_create_accepts_max_chats_in_range(max_chats: int) -> None:
    assert user_create(max_chats=max_chats).max_chats == max_chats


def test_user_create_list_limits() -> None:
    user_create(team_ids=["t"] * 50, languages=["en"] * 20)
    with pytest.raises(ValidationError):
        user_create(team_ids=["t"] * 51)
    with pytest.raises(ValidationError):
        user_create(languages=["en"] * 21)


# --- updating users ---------------------------------------------------------------------------


def test_user_update_may_be_empty() -> None:
    update = UserUpdate()
    assert update.model_dump(exclude_unset=True) == {}


def test_user_update_keeps_only_what_was_sent() -> None:
    update = UserUpdate(role="admin", max_chats=0)
    assert update.model_dump(exclude_unset=True) == {"role": Role.ADMIN, "max_chats": 0}


def test_user_update_refuses_unknown_role() -> None:
    with pytest.raises(ValidationError):
        UserUpdate(role="owner")


def test_user_update_refuses_negative_max_chats() -> None:
    with pytest.raises(ValidationError) as info:
        UserUpdate(max_chats=-1)
    assert error_locations(info) == [("max_chats",)]


@pytest.mark.parametrize("field", ["email", "password", "workspace_id"])
def test_user_update_refuses_extra_fields(field: str) -> None:
    # the email is not changeable through an update
    with pytest.raises(ValidationError) as info:
        UserUpdate(**{field: "jonas@acme.example"})
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_user_update_refuses_an_empty_name() -> None:
    with pytest.raises(ValidationError):
        UserUpdate(name="")
    assert UserUpdate(name="J").name == "J"


# --- the rest of the directory ----------------------------------------------------------------


def test_team_and_teamspace_bodies() -> None:
    assert TeamCreate(teamspace_id="ts-1", name="Billing").name == "Billing"
    assert TeamspaceCreate(name="Europe").name == "Europe"
    assert WorkspaceUpdate(name="Acme").name == "Acme"
    assert TeamUpdate().name is None
    with pytest.raises(ValidationError):
        TeamCreate(teamspace_id="", name="Billing")
    with pytest.raises(ValidationError):
        TeamCreate(teamspace_id="ts-1", name="Billing", members=["u-1"])
    with pytest.raises(ValidationError):
        TeamUpdate(name="")
    with pytest.raises(ValidationError):
        TeamspaceCreate(name="x" * 121)
    with pytest.raises(ValidationError):
        WorkspaceUpdate()
