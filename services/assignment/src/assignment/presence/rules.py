"""Presence transitions and who may see the workspace's presence: pure decisions."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.auth import Permission, Principal
from livechat_shared.contracts import PresenceStatus

from .schemas import PresenceState


def transition(current: PresenceState, status: PresenceStatus, now: datetime) -> PresenceState | None:
    """The presence after the user asks for ``status`` at ``now``; ``None`` when nothing changes.

    - online: ``online_since`` is kept when the user already came online (online, or away since),
      and is ``now`` when they come from offline;
    - away: ``online_since`` is kept, so an agent briefly away keeps their place in round robin's
      order once back (``None`` stays ``None`` for a user going away from offline);
    - offline: ``online_since`` is cleared.
    """
    if status == current.status:
        return None
    if status == "offline":
        online_since = None
    elif status == "online":
        online_since = current.online_since or now
    else:
        online_since = current.online_since
    return PresenceState(
        status=status, online_since=online_since, changed_at=now, version=current.version + 1
    )


def may_see_presence(user: Principal) -> bool:
    """Everyone of the workspace who may view chats (every role): an agent sees their colleagues'
    presence, as in most agent consoles, to know whom a chat can be transferred to."""
    return user.has(Permission.VIEW)
