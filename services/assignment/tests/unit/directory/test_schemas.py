"""Validation of the directory's request bodies: one table of accepted and one of refused bodies
per schema (users, teams, teamspaces, the workspace and the operator's new workspace)."""

from __future__ import annotations

from typing import Any

import pytest
from assignment.directory.schemas import (
    TeamCreate,
    TeamspaceCreate,
    TeamUpdate,
    UserCreate,
    UserUpdate,
    WorkspaceCreate,
    WorkspaceUpdate,
)
from livechat_shared.auth import Permission, Role
from pydantic import BaseModel, ValidationError

MISSING = object()
"""As a value in a table: leave the field out of the body."""

BASE: dict[type[BaseModel], dict[str, Any]] = {
    UserCreate: {"name": "Jonas Becker", "email": "jonas.becker@acme.example"},
    UserUpdate: {},
    TeamCreate: {"teamspace_id": "ts-1", "name": "Billing"},
    TeamUpdate: {},
    TeamspaceCreate: {"name": "Europe"},
    WorkspaceUpdate: {"name": "Acme"},
    WorkspaceCreate: {"name": "Acme", "admin": {"name": "Ada", "email": "ada@acme.example"}},
}


def body(schema: type[BaseModel], changes: dict[str, Any]) -> BaseModel:
    values = {k: v for k, v in {**BASE[schema], **changes}.items() if v is not MISSING}
    return schema(**values)


def accepted(schema: type[BaseModel], changes: dict[str, Any], expected: dict[str, Any], id: str) -> Any:
    return pytest.param(schema, changes, expected, id=f"{schema.__name__}: {id}")


def refused(
    schema: type[BaseModel], changes: dict[str, Any], field: str | tuple[str | int, ...], kind: str, id: str
) -> Any:
    return pytest.param(schema, changes, field, kind, id=f"{schema.__name__}: {id}")


# --- creating users ---------------------------------------------------------------------------

BAD_EMAILS = ["", "jonas", "jonas@", "@acme.example", "jonas@@acme.example", "jonas becker@acme.example"]

USER_CREATE_ACCEPTED = [
    accepted(
        UserCreate,
        {},
        {
            "role": Role.AGENT,
            "team_ids": [],
            "languages": [],
            "max_chats": None,
            "grants": [],
            "email": "jonas.becker@acme.example",
        },
        "defaults",
    ),
    accepted(
        UserCreate,
        {"grants": ["export", "ban", "export"]},
        {"grants": [Permission.EXPORT, Permission.BAN]},
        "grants, each once",
    ),
    accepted(UserCreate, {"grants": list(Permission)}, {"grants": list(Permission)}, "every grant"),
    accepted(
        UserCreate,
        {"role": "supervisor", "team_ids": ["t-1", "t-2"], "languages": ["de", "en"], "max_chats": 8},
        {"role": Role.SUPERVISOR, "team_ids": ["t-1", "t-2"], "languages": ["de", "en"], "max_chats": 8},
        "every field",
    ),
    *[accepted(UserCreate, {"role": r.value}, {"role": r}, f"role {r.value}") for r in Role],
    *[accepted(UserCreate, {"max_chats": n}, {"max_chats": n}, f"max_chats {n}") for n in (0, 1, 1000)],
    accepted(UserCreate, {"team_ids": ["t"] * 50}, {"team_ids": ["t"] * 50}, "50 teams"),
    accepted(UserCreate, {"languages": ["en"] * 20}, {"languages": ["en"] * 20}, "20 languages"),
]

USER_CREATE_REFUSED = [
    *[refused(UserCreate, {"email": e}, "email", "value_error", f"email {e!r}") for e in BAD_EMAILS],
    refused(UserCreate, {"email": MISSING}, "email", "missing", "no email"),
    refused(UserCreate, {"name": MISSING}, "name", "missing", "no name"),
    refused(UserCreate, {"name": ""}, "name", "string_too_short", "empty name"),
    refused(UserCreate, {"name": "x" * 121}, "name", "string_too_long", "name of 121"),
    *[
        refused(UserCreate, {"role": r}, "role", "enum", f"role {r!r}")
        for r in ("owner", "Admin", "", "root")
    ],
    *[
        refused(UserCreate, {field: "x"}, field, "extra_forbidden", f"extra {field}")
        for field in ("password", "workspace_id", "id", "active", "version")
    ],
    refused(UserCreate, {"grants": ["view"] * 9}, "grants", "too_long", "9 grants"),
    refused(UserCreate, {"grants": ["owner"]}, ("grants", 0), "enum", "grant 'owner'"),
    refused(UserCreate, {"grants": "export"}, "grants", "list_type", "grants as text"),
    refused(UserCreate, {"max_chats": -1}, "max_chats", "greater_than_equal", "max_chats -1"),
    refused(UserCreate, {"max_chats": -100}, "max_chats", "greater_than_equal", "max_chats -100"),
    refused(UserCreate, {"max_chats": 1001}, "max_chats", "less_than_equal", "max_chats 1001"),
    refused(UserCreate, {"team_ids": ["t"] * 51}, "team_ids", "too_long", "51 teams"),
    refused(UserCreate, {"languages": ["en"] * 21}, "languages", "too_long", "21 languages"),
]

# --- updating users ---------------------------------------------------------------------------

USER_UPDATE_ACCEPTED = [
    accepted(UserUpdate, {}, {}, "empty"),
    accepted(UserUpdate, {"role": "admin", "max_chats": 0}, {"role": Role.ADMIN, "max_chats": 0}, "some"),
    accepted(UserUpdate, {"name": "J"}, {"name": "J"}, "name of 1"),
    accepted(UserUpdate, {"active": False}, {"active": False}, "deactivate"),
    accepted(UserUpdate, {"active": True}, {"active": True}, "activate"),
    accepted(UserUpdate, {"grants": []}, {"grants": []}, "no grants"),
    accepted(UserUpdate, {"grants": ["ban", "ban"]}, {"grants": [Permission.BAN]}, "a grant once"),
]

USER_UPDATE_REFUSED = [
    refused(UserUpdate, {"role": "owner"}, "role", "enum", "role 'owner'"),
    refused(UserUpdate, {"max_chats": -1}, "max_chats", "greater_than_equal", "max_chats -1"),
    refused(UserUpdate, {"name": ""}, "name", "string_too_short", "empty name"),
    # the email is not changeable through an update
    *[
        refused(UserUpdate, {field: "jonas@acme.example"}, field, "extra_forbidden", f"extra {field}")
        for field in ("email", "password", "workspace_id", "version", "created_at")
    ],
    refused(UserUpdate, {"active": "maybe"}, "active", "bool_parsing", "active 'maybe'"),
    refused(UserUpdate, {"grants": ["everything"]}, ("grants", 0), "enum", "grant 'everything'"),
]

# --- the rest of the directory ----------------------------------------------------------------

TEAM_CREATE_ACCEPTED = [accepted(TeamCreate, {}, {"teamspace_id": "ts-1", "name": "Billing"}, "named")]
TEAM_CREATE_REFUSED = [
    refused(TeamCreate, {"teamspace_id": ""}, "teamspace_id", "string_too_short", "empty teamspace_id"),
    refused(TeamCreate, {"members": ["u-1"]}, "members", "extra_forbidden", "extra members"),
]
TEAM_UPDATE_ACCEPTED = [accepted(TeamUpdate, {}, {}, "empty")]
TEAM_UPDATE_REFUSED = [refused(TeamUpdate, {"name": ""}, "name", "string_too_short", "empty name")]
TEAMSPACE_CREATE_ACCEPTED = [accepted(TeamspaceCreate, {}, {"name": "Europe"}, "named")]
TEAMSPACE_CREATE_REFUSED = [
    refused(TeamspaceCreate, {"name": "x" * 121}, "name", "string_too_long", "name of 121")
]
WORKSPACE_UPDATE_ACCEPTED = [accepted(WorkspaceUpdate, {}, {"name": "Acme"}, "named")]
WORKSPACE_UPDATE_REFUSED = [refused(WorkspaceUpdate, {"name": MISSING}, "name", "missing", "no name")]

# --- the operator's new workspace -------------------------------------------------------------

WORKSPACE_CREATE_ACCEPTED = [accepted(WorkspaceCreate, {}, {"name": "Acme"}, "named, with an admin")]
WORKSPACE_CREATE_REFUSED = [
    refused(WorkspaceCreate, {"name": ""}, "name", "string_too_short", "empty name"),
    refused(WorkspaceCreate, {"admin": MISSING}, "admin", "missing", "no admin"),
    refused(
        WorkspaceCreate, {"admin": {"name": "Ada"}}, ("admin", "email"), "missing", "admin without email"
    ),
    refused(
        WorkspaceCreate,
        {"admin": {"name": "Ada", "email": "ada"}},
        ("admin", "email"),
        "value_error",
        "admin's email 'ada'",
    ),
    refused(
        WorkspaceCreate,
        {"admin": {"name": "Ada", "email": "ada@acme.example", "role": "agent"}},
        ("admin", "role"),
        "extra_forbidden",
        "admin with a role",
    ),
    refused(WorkspaceCreate, {"id": "W1"}, "id", "extra_forbidden", "extra id"),
]


@pytest.mark.parametrize(
    ("schema", "changes", "expected"),
    [
        *USER_CREATE_ACCEPTED,
        *USER_UPDATE_ACCEPTED,
        *TEAM_CREATE_ACCEPTED,
        *TEAM_UPDATE_ACCEPTED,
        *TEAMSPACE_CREATE_ACCEPTED,
        *WORKSPACE_UPDATE_ACCEPTED,
        *WORKSPACE_CREATE_ACCEPTED,
    ],
)
def test_accepted(schema: type[BaseModel], changes: dict[str, Any], expected: dict[str, Any]) -> None:
    """``expected`` holds the fields that were set; for the Update schemas, exactly those."""
    made = body(schema, changes)
    if schema in (UserUpdate, TeamUpdate):
        assert made.model_dump(exclude_unset=True) == expected
    else:
        assert {field: getattr(made, field) for field in expected} == expected


@pytest.mark.parametrize(
    ("schema", "changes", "field", "kind"),
    [
        *USER_CREATE_REFUSED,
        *USER_UPDATE_REFUSED,
        *TEAM_CREATE_REFUSED,
        *TEAM_UPDATE_REFUSED,
        *TEAMSPACE_CREATE_REFUSED,
        *WORKSPACE_UPDATE_REFUSED,
        *WORKSPACE_CREATE_REFUSED,
    ],
)
def test_refused(
    schema: type[BaseModel], changes: dict[str, Any], field: str | tuple[str | int, ...], kind: str
) -> None:
    """Each refused body names exactly one problem: its field (or path) and the kind of error."""
    with pytest.raises(ValidationError) as info:
        body(schema, changes)
    loc = field if isinstance(field, tuple) else (field,)
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(loc, kind)]


def test_team_update_leaves_the_name_unset() -> None:
    assert TeamUpdate().name is None


@pytest.mark.parametrize(
    ("schema", "sent"),
    [
        (UserUpdate, {"name": None}),
        (UserUpdate, {"role": None}),
        (UserUpdate, {"team_ids": None}),
        (UserUpdate, {"languages": None}),
        (UserUpdate, {"grants": None}),
        (UserUpdate, {"active": None}),
        (TeamUpdate, {"name": None}),
    ],
)
def test_null_is_refused_where_it_is_no_value(schema: type[BaseModel], sent: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="cannot be null"):
        schema(**sent)


@pytest.mark.parametrize(
    ("sent", "changes"),
    [
        ({}, {}),
        ({"role": "admin", "max_chats": 0}, {"role": "admin", "max_chats": 0}),
        ({"max_chats": None}, {"max_chats": None}),
        ({"team_ids": [], "languages": ["de"]}, {"team_ids": [], "languages": ["de"]}),
        ({"active": False, "grants": ["export"]}, {"active": False, "grants": ["export"]}),
    ],
)
def test_user_update_changes(sent: dict[str, Any], changes: dict[str, Any]) -> None:
    """What an update stores: the fields sent; ``null`` clears ``max_chats``."""
    assert UserUpdate(**sent).changes() == changes


@pytest.mark.parametrize(("sent", "changes"), [({}, {}), ({"name": "B"}, {"name": "B"})])
def test_team_update_changes(sent: dict[str, Any], changes: dict[str, Any]) -> None:
    assert TeamUpdate(**sent).changes() == changes
