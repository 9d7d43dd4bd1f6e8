"""The stored entities of the assignment service, converted at the repository boundary.

Every entity but the workspace belongs to one workspace (``workspace_id``). ``updated_at`` is
absent until the first change, so it is left out of the document and of the JSON when unset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from livechat_shared.auth import Permission, Role
from livechat_shared.contracts import DirectoryUser
from livechat_shared.mongo import Document
from pydantic import Field, PlainSerializer, WithJsonSchema

Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
"""A moment, shown in JSON as ``datetime.isoformat()`` (``...+00:00``)."""


def _is_none(value: Any) -> bool:
    return value is None


UpdatedAt = Annotated[Timestamp | None, Field(exclude_if=_is_none)]
"""When the entity last changed: ``None`` until its first change, and then left out when dumped."""


class Workspace(Document):
    """A customer's workspace; its ``id`` is the ``ws`` claim of its users' tokens."""

    name: str
    created_at: Timestamp
    updated_at: Timestamp


class Teamspace(Document):
    workspace_id: str
    name: str
    created_at: Timestamp
    updated_at: UpdatedAt = None


class Team(Document):
    workspace_id: str
    teamspace_id: str
    name: str
    grants: list[Permission] = []
    """Permissions every member of the team holds beyond their role's (team-level grants)."""
    created_at: Timestamp
    updated_at: UpdatedAt = None


SNAPSHOT_FIELDS: set[str] = set(DirectoryUser.model_fields)
"""The fields of a user every service copies (``DirectoryUser``)."""


class User(Document):
    """A person who works chats (an agent, supervisor or admin); ``email`` is stored lowercased.

    The assignment service is the authority on users: every other service keeps a copy of each
    user's :meth:`snapshot`, fed by the ``assignment.user.changed.v1`` event that every create and
    change commits with. ``version`` is 1 on create and grows by one with every change, so a copy
    keeps the newest snapshot whatever order they arrive in.
    """

    workspace_id: str
    name: str
    email: str
    role: Role
    team_ids: list[str] = []
    """The teams the user is a member of: a team's membership lives here, on its members."""
    grants: list[Permission] = []
    """Permissions given to this user beyond their role's."""
    active: bool = True
    """A deactivated user's tokens are refused by every service from their next request."""
    languages: list[str] = []
    max_chats: int | None = None
    version: int = 1
    created_at: Timestamp
    updated_at: UpdatedAt = None

    @property
    def is_active_admin(self) -> bool:
        return self.active and self.role is Role.ADMIN

    def snapshot(self, team_grants: Iterable[Permission] = ()) -> DirectoryUser:
        """What every service needs to authorise this user's requests: ``grants`` are the user's own
        and their teams' (``team_grants``), each once."""
        values = self.model_dump(mode="json", include=SNAPSHOT_FIELDS)
        values["grants"] = sorted({*self.grants, *team_grants})
        return DirectoryUser.model_validate(values)


@dataclass(frozen=True)
class NewWorkspace:
    """A workspace an operator created, and its first admin."""

    workspace: Workspace
    admin: User


M = TypeVar("M", covariant=True)


@dataclass(frozen=True)
class Slice(Generic[M]):
    """One page of entities, oldest first, and how many there are in all."""

    items: Sequence[M]
    total: int
