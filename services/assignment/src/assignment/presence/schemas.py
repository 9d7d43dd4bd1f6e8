"""Request and response bodies of presence, and the stored state of one user's presence."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.contracts import PresenceStatus
from livechat_shared.requests import Strict
from pydantic import BaseModel, ConfigDict, Field

from ..core.models import Timestamp


class PresencePut(Strict):
    """The caller's own presence."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: PresenceStatus


class PresenceState(BaseModel):
    """One user's presence as stored (``presence``, keyed by the user's id).

    ``online_since`` is when the user last came online: kept while they are online or away (a user
    briefly away keeps their place in round robin's order), ``None`` once they go offline.
    ``version`` grows by one with every change; 0 and ``changed_at`` ``None`` describe a user whose
    presence never changed (offline).
    """

    model_config = ConfigDict(frozen=True)

    status: PresenceStatus = "offline"
    online_since: datetime | None = None
    changed_at: datetime | None = None
    version: int = Field(default=0, ge=0)


class PresenceView(BaseModel):
    """A user's presence as the API shows it."""

    user_id: str
    status: PresenceStatus
    online_since: Timestamp | None
    """When the user last came online; kept while away, ``null`` when offline."""
    changed_at: Timestamp | None
    """When the presence last changed; ``null`` for a user whose presence never changed."""
    version: int

    @classmethod
    def of(cls, user_id: str, state: PresenceState) -> PresenceView:
        return cls(user_id=user_id, **state.model_dump())
