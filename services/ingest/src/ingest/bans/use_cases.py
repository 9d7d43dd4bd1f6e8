"""Bans at the edge: the inbox announces every ban and unban (``inbox.ban.changed.v1``); ingest keeps
a copy and stops a banned person's messages before anything is published — no chat, no AI call, no
interaction counted.

The check costs no database round trip on the message path: each replica holds the bans in force in
memory, read again from its copy every ``refresh_seconds`` (and at once on the replica that applied
a change), so a ban reaches every replica within that time. A ban ends on its own at ``until``,
checked against the clock at every message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from livechat_shared.contracts import BanChangedV1
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger

from .rules import in_force
from .schemas import BanKey, person_key

log = get_logger(__name__)


class BanCopy(Protocol):
    async def apply(self, event: BanChangedV1, at: datetime) -> bool: ...

    async def active(self, now: datetime) -> dict[BanKey, datetime | None]: ...


@dataclass
class EdgeBans:
    copy: BanCopy
    clock: Callable[[], datetime] = utcnow
    on_stopped: Callable[[str], None] = lambda channel: None
    """Called for every message stopped (the service counts them by channel)."""
    _in_force: dict[BanKey, datetime | None] = field(default_factory=dict, init=False)

    async def changed(self, event: BanChangedV1, at: datetime) -> None:
        """Apply a ban change to the copy (the newest change of a person wins), then reload."""
        applied = await self.copy.apply(event, at)
        log.info("ban_copied", ban_id=event.ban_id, active=event.active, applied=applied)
        await self.refresh()

    async def refresh(self) -> None:
        self._in_force = await self.copy.active(self.clock())

    def stops(self, app_id: str, external_id: str, channel: str) -> bool:
        """Whether this person's message stops here (they are banned now); counted when it does."""
        key = person_key(app_id, external_id)
        if key not in self._in_force or not in_force(self._in_force[key], self.clock()):
            return False
        self.on_stopped(channel)
        log.info("message_stopped_banned", app_id=app_id, channel=channel)
        return True
