"""Reading the workspace's interaction counts, and keeping those of the messages a deletion erases.

The counts are those of the stored messages (exact to the instant) plus those of the messages erased
with their chats, so deleting chats does not lower them. Counting at the deletion, not as messages
are stored, keeps the message path (every inbound and outbound message) at its four commands; the
price is that erased messages are kept per UTC hour (:meth:`InteractionUseCases.keep_erased`): a
window counts an erased hour when the hour starts in it, so a window boundary within an hour counts
that hour's erased messages whole on one side of it, where the live ones are split exactly.

A chat is erased once: its deletion reads the chat in the transaction that erases it and does
nothing when it is gone already, and its messages are counted in that same transaction, so a
transaction run again (a lost race, a transient error) counts them once, as only its last run
commits, and counted messages are never left stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from livechat_shared.auth import Permission, Principal
from livechat_shared.ids import utcnow
from pymongo.asynchronous.client_session import AsyncClientSession

from ..errors import SettingsForbidden
from .rules import COUNTED, FORMAT, merged, window
from .schemas import Interactions, Period, PeriodCount

Session = AsyncClientSession


class Counts(Protocol):
    async def stored(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]: ...

    async def erased(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]: ...

    async def keep_erased(self, chat_id: str, authors: Sequence[str], session: Session) -> int: ...


@dataclass
class InteractionUseCases:
    counts: Counts

    async def read(
        self, user: Principal, period: Period, start: datetime | None, end: datetime | None
    ) -> Interactions:
        """The workspace's interactions per period (the ``settings`` permission: admins,
        supervisors): the stored messages of the window, plus the erased ones of the hours that
        start in it."""
        if not user.has(Permission.SETTINGS):
            raise SettingsForbidden()
        start, end = window(period, start, end, utcnow())
        workspace_id, date_format = user.workspace_id, FORMAT[period]
        stored = await self.counts.stored(workspace_id, date_format, COUNTED, start, end)
        erased = await self.counts.erased(workspace_id, date_format, COUNTED, start, end)
        items = merged(stored, erased)
        return Interactions(
            period=period, start=start, end=end, items=items, total=sum(i.total for i in items)
        )

    async def keep_erased(self, chat_id: str, session: Session) -> int:
        """Keep the counts of the chat's interactions before the deletion erases its messages, in
        the deletion's transaction (``session``); how many messages were counted. Erasing a chat
        with no message left adds nothing."""
        return await self.counts.keep_erased(chat_id, COUNTED, session)
