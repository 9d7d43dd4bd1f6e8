"""Finding chats in the table, and rebuilding a chat's search terms and facets from what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.telemetry import get_logger
from livechat_shared.writer import Session, Transactions
from pydantic import ValidationError

from ..core.models import Chat
from ..core.search import rebuilt_index
from .repository import GroupTags, TablePlan
from .schemas import ChatPage, TableQuery

log = get_logger(__name__)

COUNT_CAP = 10_000
"""The table counts matching chats up to here; past it the page says so (``total_exact``)."""
REBUILD_MESSAGES = 1_000
"""A rebuild reads a chat's first messages only (a chat keeps its first words: inbox.core.search)."""


class Table(Protocol):
    def plan(self, user: Principal, query: TableQuery, groups: GroupTags) -> TablePlan: ...

    async def page(self, plan: TablePlan, skip: int, limit: int) -> list[Chat]: ...

    async def count(self, plan: TablePlan, at_most: int) -> int: ...


class TagGroups(Protocol):
    async def ids_in_groups(self, workspace_id: str, group_ids: Sequence[str] | None) -> list[str]:
        """The workspace's tags in any of the groups (``None``: in any group at all)."""
        ...


class IndexStore(Protocol):
    async def chat(self, chat_id: str, session: Session) -> Chat | None: ...

    async def message_texts(self, chat_id: str, limit: int, session: Session) -> list[str]: ...

    async def store(self, chat_id: str, index: dict[str, list[str]], session: Session) -> None: ...

    async def unindexed(self, limit: int) -> list[str]: ...


@dataclass
class SearchUseCases:
    table: Table
    tags: TagGroups
    index: IndexStore
    transactions: Transactions
    count_cap: int = COUNT_CAP

    async def find(self, user: Principal, query: TableQuery) -> ChatPage:
        """A page of the chats ``user`` may see that match ``query``, and how many match (exactly
        up to ``count_cap``)."""
        plan = self.table.plan(user, query, await self._groups(user.workspace_id, query.tag_group))
        chats = await self.table.page(plan, query.skip, query.page_size)
        if (chats and len(chats) < query.page_size) or (not chats and query.page == 1):
            total, exact = query.skip + len(chats), True  # the last page says how many: no count
        else:
            counted = await self.table.count(plan, self.count_cap + 1)
            total, exact = min(counted, self.count_cap), counted <= self.count_cap
        return ChatPage(
            items=[c.snapshot() for c in chats],
            total=total,
            page=query.page,
            page_size=query.page_size,
            total_exact=exact,
        )

    async def _groups(self, workspace_id: str, groups: Sequence[str | None]) -> GroupTags:
        named = [g for g in groups if g is not None]
        return GroupTags(
            named=await self.tags.ids_in_groups(workspace_id, named) if named else [],
            grouped=await self.tags.ids_in_groups(workspace_id, None) if None in groups else [],
        )

    async def rebuild(self, chat_id: str) -> bool:
        """Compute the chat's facets and search terms afresh from its fields and its stored
        messages (for a chat stored before they existed, or after a change of how they are made);
        False when there is no such chat. One transaction: a write of the chat meanwhile conflicts
        with it, and the later of the two runs again on what the other stored."""

        async def work(session: Session) -> bool:
            chat = await self.index.chat(chat_id, session)
            if chat is None:
                return False
            texts = await self.index.message_texts(chat_id, REBUILD_MESSAGES, session)
            await self.index.store(chat_id, rebuilt_index(chat, texts), session)
            return True

        return await self.transactions.transaction(work)

    async def backfill(self, batch: int = 100) -> int:
        """Rebuild every chat stored before chats had facets (invisible in the table until then);
        how many were rebuilt. Run at every start, in the background (``inbox.app``): with nothing
        to rebuild it is one indexed query.

        Safe to run on several replicas at once: each rebuild is computed from what is stored, in
        a transaction, so two replicas rebuilding the same chat store the same index (the later
        conflicts and runs again on what the other stored), and a rebuilt chat is no longer found.
        A chat whose document cannot be read is logged and passed over (it would be found first
        again and again)."""
        rebuilt, unreadable = 0, set[str]()
        while ids := [i for i in await self.index.unindexed(batch + len(unreadable)) if i not in unreadable]:
            for chat_id in ids:
                try:
                    rebuilt += await self.rebuild(chat_id)
                except ValidationError as exc:
                    log.warning("search_backfill_unreadable_chat", chat_id=chat_id, error=str(exc))
                    unreadable.add(chat_id)
        log.info("search_backfill_done", chats=rebuilt, unreadable=len(unreadable))
        return rebuilt
