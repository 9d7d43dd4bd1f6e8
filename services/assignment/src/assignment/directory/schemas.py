"""Request and response bodies of the directory."""

from __future__ import annotations

from typing import Annotated

from annotated_types import MaxLen
from livechat_shared.auth import Permission, Role
from livechat_shared.requests import Patch, Strict
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from ..core.models import Timestamp, UpdatedAt

# --- requests ---------------------------------------------------------------------------------


def _once_each(grants: list[Permission]) -> list[Permission]:
    return list(dict.fromkeys(grants))


Grants = Annotated[list[Permission], MaxLen(len(Permission)), AfterValidator(_once_each)]
"""Permissions given to a user beyond their role's; each kept once, in the order sent."""


class WorkspaceUpdate(Strict):
    name: str = Field(min_length=1, max_length=120)


class AdminCreate(Strict):
    """The first admin of a new workspace."""

    name: str = Field(min_length=1, max_length=120)
    email: EmailStr


class WorkspaceCreate(Strict):
    """An operator creates a workspace and its first admin."""

    name: str = Field(min_length=1, max_length=120)
    admin: AdminCreate


class TeamspaceCreate(Strict):
    name: str = Field(min_length=1, max_length=120)


class TeamCreate(Strict):
    teamspace_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=120)
    grants: Grants = []
    """Permissions every member holds beyond their role's."""


class TeamUpdate(Patch):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    grants: Grants | None = None


class UserCreate(Strict):
    name: str = Field(min_length=1, max_length=120)
    email: EmailStr
    role: Role = Role.AGENT
    team_ids: list[str] = Field(default=[], max_length=50)
    grants: Grants = []
    languages: list[str] = Field(default=[], max_length=20)
    max_chats: int | None = Field(default=None, ge=0, le=1000)


class UserUpdate(Patch):
    nullable = frozenset({"max_chats"})

    name: str | None = Field(default=None, min_length=1, max_length=120)
    role: Role | None = None
    team_ids: list[str] | None = Field(default=None, max_length=50)
    grants: Grants | None = None
    active: bool | None = None
    """``false`` deactivates the user (every service refuses their tokens from their next request);
    ``true`` activates them again."""
    languages: list[str] | None = Field(default=None, max_length=20)
    max_chats: int | None = Field(default=None, ge=0, le=1000)


# --- responses --------------------------------------------------------------------------------


class Out(BaseModel):
    """A response body, read from the stored entity of the same name (``UserOut`` from ``User``)."""

    model_config = ConfigDict(from_attributes=True)

    id: str


class WorkspaceOut(Out):
    name: str
    created_at: Timestamp
    updated_at: Timestamp


class TeamspaceOut(Out):
    workspace_id: str
    name: str
    created_at: Timestamp
    updated_at: UpdatedAt = None


class TeamOut(Out):
    workspace_id: str
    teamspace_id: str
    name: str
    grants: list[Permission] = []
    """Permissions every member holds beyond their role's."""
    created_at: Timestamp
    updated_at: UpdatedAt = None


class UserOut(Out):
    """A user in full, as admins (and the operator) see them."""

    workspace_id: str
    name: str
    email: str
    role: Role
    team_ids: list[str]
    languages: list[str]
    max_chats: int | None
    grants: list[Permission]
    active: bool
    version: int
    created_at: Timestamp
    updated_at: UpdatedAt = None


class UserCard(Out):
    """A user as the other users of the workspace see them: no email, languages, capacity or grants."""

    name: str
    role: Role
    team_ids: list[str]
    active: bool


UserView = UserOut | UserCard
"""What the caller sees of a user: :class:`UserOut` for an admin, :class:`UserCard` otherwise."""


class Me(BaseModel):
    """The caller: their own user in full, and what they may do."""

    user: UserOut
    permissions: list[Permission]
    """Their role's permissions with their own grants and their teams' (what every service checks
    on each request): a console offers what is here and hides the rest."""


class WorkspaceCreated(BaseModel):
    """A new workspace and its first admin."""

    model_config = ConfigDict(from_attributes=True)

    workspace: WorkspaceOut
    admin: UserOut
