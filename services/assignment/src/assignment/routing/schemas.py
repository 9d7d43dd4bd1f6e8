"""The values routing decides on: the agents it may pick from, the handoff, and the decision it
records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from livechat_shared.contracts import AssignmentMethod
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Presence = Literal["online", "away", "offline"]

Exclusion = Literal[
    "deactivated", "not_targeted", "away", "offline", "teamspace_limit", "personal_limit", "language"
]
"""Why a candidate was not eligible: the first rule they failed, in this order."""


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Candidate(_Value):
    """One user of the teamspace routing may give a chat to, with their presence and load now."""

    user_id: str
    name: str | None = None
    """Shown in the reason; the user id when unset."""
    active: bool = True
    """A deactivated user is never eligible."""
    team_ids: list[str] = []
    languages: list[str] = []
    presence: Presence = "offline"
    online_since: AwareDatetime | None = None
    """When the agent last came online (``None``: not online); round robin cycles in this order."""
    open_chats: int = Field(default=0, ge=0)
    """The agent's open livechats."""
    max_chats: int | None = Field(default=None, ge=0)
    """The agent's personal limit of open livechats: ``None`` is no personal limit, and ``0`` means
    no auto-assigned chats at all (unlike the teamspace's ``max_auto_chats``, where 0 is no limit)."""

    @property
    def label(self) -> str:
        return self.name or self.user_id


class Handoff(_Value):
    """Who a handed-off chat may go to (the AI agent's Human Handoff options)."""

    teamspace_id: str
    user_ids: list[str] = []
    team_ids: list[str] = []
    """Targets: these users and the members of these teams; both empty: every user of the teamspace."""
    language: str | None = None
    """The person's language, when the handoff asks for an agent who speaks it."""
    availability_check: bool = True
    """Only online agents (also required when the teamspace's own check is on)."""


class RoutingState(_Value):
    """What routing remembers between decisions of one teamspace: round robin's last pick and its
    place in the online order at the time."""

    last_user_id: str | None = None
    last_online_since: AwareDatetime | None = None


class Considered(_Value):
    """One candidate as the decision saw them: their load, and why they were left out if they were."""

    user_id: str
    name: str | None = None
    presence: Presence
    online_since: datetime | None = None
    open_chats: int
    max_chats: int | None = None
    excluded: Exclusion | None = None
    """``None``: eligible."""


class Decision(_Value):
    """A routing decision, as the decision log stores it ("why this agent")."""

    teamspace_id: str
    method: AssignmentMethod
    user_id: str | None
    """The chosen agent; ``None``: the chat waits in the pending queue."""
    reason: str
    considered: list[Considered]
    """Every candidate of the teamspace, with their load and why they were not eligible."""
    language: str | None = None
    language_fallback: bool = False
    """A language was asked, nobody eligible speaks it, and agents of any language were eligible."""
    next_state: RoutingState
    """The state the next decision of the teamspace starts from."""

    @property
    def eligible_user_ids(self) -> list[str]:
        return [c.user_id for c in self.considered if c.excluded is None]
