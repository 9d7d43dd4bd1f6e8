"""Events the assignment service (the directory and routing) publishes."""

from __future__ import annotations

from datetime import datetime
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


AssignmentMethod = Literal["balanced", "round_robin", "random", "voluntary"]


class TeamspaceSettings(BaseModel):
    """A teamspace's chat assignment and chat rules, as its admin set them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    method: AssignmentMethod = "balanced"
    max_auto_chats: int = Field(default=5, ge=0, le=1000)
    """Open livechats an agent is auto-assigned at most (0: no limit)."""
    availability_check: bool = True
    """Only online agents are eligible."""
    away_grace_seconds: int = Field(default=300, ge=0, le=7 * 24 * 3600)
    """How long an agent may be away or offline before their open chats go back to the queue."""
    overdue_after_seconds: int = Field(default=0, ge=0, le=30 * 24 * 3600)
    """The reply-time limit: a person waiting longer for an answer makes the chat overdue (0: none)."""
    min_tags_to_resolve: int = Field(default=0, ge=0, le=50)
    """Tags a chat needs before it can be resolved."""


class TeamspaceSettingsChangedV1(Contract):
    """A teamspace's settings changed (or are announced again): the whole settings and a growing
    ``version``, so a copy keeps the newest."""

    event_type: ClassVar[str] = "assignment.settings.changed"

    teamspace_id: str
    settings: TeamspaceSettings
    version: int = Field(ge=1)


PresenceStatus = Literal["online", "away", "offline"]


class PresenceChangedV1(Contract):
    """A user's presence changed (their own ``PUT /v1/me/presence``). ``online_since`` is when they
    last came online: kept while they are online or away, ``None`` once they go offline; round robin
    cycles in its order. ``version`` grows by one with every change of the user's presence, so a copy
    keeps the newest whatever order the events arrive in."""

    event_type: ClassVar[str] = "assignment.presence.changed"

    user_id: str
    status: PresenceStatus
    online_since: datetime | None = None
    changed_at: datetime
    version: int = Field(ge=1)


class ChatAssignedV1(Contract):
    """Routing gave a waiting chat to an agent (their capacity is claimed): the inbox makes them its
    assignee. ``reason`` is the decision log's "why this agent"."""

    event_type: ClassVar[str] = "assignment.chat.assigned"

    teamspace_id: str
    assignee_id: str
    method: AssignmentMethod
    reason: str = Field(max_length=2000)
    chat_version: int
    """The chat's version when it was seen waiting: the inbox applies the assignment only while the
    chat still waits."""


class ChatUnassignedV1(Contract):
    """Routing took a chat back from its assignee (away or offline past the grace period): the chat
    waits in the queue again."""

    event_type: ClassVar[str] = "assignment.chat.unassigned"

    teamspace_id: str
    from_assignee_id: str
    reason: str = Field(max_length=2000)
