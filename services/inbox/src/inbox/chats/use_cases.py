"""Listing, reading and resyncing the chats a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import ChatSnapshot
from livechat_shared.pagination import Page, PageParams
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.access import visible_chat
from ..core.models import Chat
from ..errors import InvalidCursor
from .rules import parse_sync_cursor, sync_cursor
from .schemas import ChatFilter, SyncPage


class ChatReader(Protocol):
    async def get(self, chat_id: str, session: AsyncClientSession | None = None) -> Chat | None: ...


class ChatFinder(Protocol):
    async def page(
        self, user: Principal, where: ChatFilter, skip: int, limit: int
    ) -> tuple[list[Chat], int]: ...

    async def changed_since(self, user: Principal, at: datetime, after_id: str, limit: int) -> list[Chat]: ...


@dataclass
class ChatUseCases:
    chats: ChatReader
    queries: ChatFinder

    async def table(self, user: Principal, where: ChatFilter, paging: PageParams) -> Page[ChatSnapshot]:
        chats, total = await self.queries.page(user, where, paging.skip, paging.page_size)
        return Page(
            items=[c.snapshot() for c in chats], total=total, page=paging.page, page_size=paging.page_size
        )

    async def read(self, user: Principal, chat_id: str) -> ChatSnapshot:
        return (await visible_chat(self.chats, user, chat_id)).snapshot()

    async def sync(self, user: Principal, since: str, limit: int) -> SyncPage:
        """Chats (visible to the user) changed after ``since``; a client that missed stream frames
        resyncs here."""
        try:
            at, after_id = parse_sync_cursor(since)
        except ValueError as exc:
            raise InvalidCursor() from exc
        items = [c.snapshot() for c in await self.queries.changed_since(user, at, after_id, limit)]
        return SyncPage(
            items=items, cursor=sync_cursor(items[-1]) if items else since, more=len(items) == limit
        )
