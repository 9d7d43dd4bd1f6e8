"""Reading the workspace's interaction counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from livechat_shared.auth import Permission, Principal
from livechat_shared.ids import utcnow

from ..errors import SettingsForbidden
from .rules import COUNTED, FORMAT, window
from .schemas import Interactions, Period, PeriodCount


class Counts(Protocol):
    async def per_period(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]: ...


@dataclass
class InteractionUseCases:
    counts: Counts

    async def read(
        self, user: Principal, period: Period, start: datetime | None, end: datetime | None
    ) -> Interactions:
        """The workspace's interactions per period (the ``settings`` permission: admins, supervisors)."""
        if not user.has(Permission.SETTINGS):
            raise SettingsForbidden()
        start, end = window(period, start, end, utcnow())
        items = await self.counts.per_period(user.workspace_id, FORMAT[period], COUNTED, start, end)
        return Interactions(
            period=period, start=start, end=end, items=items, total=sum(i.total for i in items)
        )
