"""Events the assignment service (the directory and routing) publishes."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from .envelope import Contract

RoleName = Literal["admin", "supervisor", "agent"]
PermissionName = Literal["view", "manage", "transfer", "export", "download", "delete", "ban", "settings"]


class DirectoryUser(BaseModel):
    """What every service needs to know of a user to authorise their requests. ``version`` grows
    with every change, so a copy applies a snapshot only when it is newer than the one it holds."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    workspace_id: str
    name: str | None = None
    role: RoleName
    team_ids: list[str] = []
    grants: list[PermissionName] = []
    """Permissions given to the user beyond their role's (individually or through their teams)."""
    active: bool = True
    """A deactivated user's tokens are refused everywhere, from their next request."""
    version: int = Field(ge=1)


class UserChangedV1(Contract):
    """A user was created or changed (role, teams, grants, activation): the whole snapshot."""

    event_type: ClassVar[str] = "assignment.user.changed"

    user: DirectoryUser
