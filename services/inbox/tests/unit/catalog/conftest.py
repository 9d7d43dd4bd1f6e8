"""In-memory fakes of the catalog's repositories and transactions, for use-case tests.

They keep the unique keys the real indexes keep (a name ignoring case and whitespace, a key, a
shortcut — each within a teamspace of a workspace), and a transaction restores every collection
when its work raises, as MongoDB aborts one.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pytest
from inbox.catalog.repository import Taken, fold
from inbox.catalog.schemas import Alias, CannedReply, CustomFieldDefinition, Setting, Tag, TagGroup
from inbox.catalog.use_cases import CatalogUseCases

E = TypeVar("E", bound=Setting)


@dataclass
class FakeDb:
    collections: dict[str, dict[str, Setting]] = field(default_factory=dict)
    transactions: int = 0
    aborted: int = 0

    async def transaction(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        saved = copy.deepcopy(self.collections)
        try:
            result = await work("session")
        except BaseException:
            self.collections = saved
            self.aborted += 1
            raise
        self.transactions += 1
        return result


class FakeStore(Generic[E]):
    def __init__(
        self, db: FakeDb, name: str, *, unique: str | None, order: str, folded: bool = False
    ) -> None:
        self.db, self.name, self.unique, self.order, self.folded = db, name, unique, order, folded
        db.collections[name] = {}

    @property
    def items(self) -> dict[str, E]:
        return self.db.collections[self.name]  # type: ignore[return-value]

    def _key(self, item: Setting) -> tuple[str, str, str] | None:
        if self.unique is None:
            return None
        value = str(getattr(item, self.unique))
        return (item.workspace_id, item.teamspace_id, fold(value) if self.folded else value)

    def _check(self, item: Setting) -> None:
        key = self._key(item)
        if key is not None and any(o.id != item.id and self._key(o) == key for o in self.items.values()):
            raise Taken(item.id)

    async def add(self, item: E, session: Any = None) -> None:
        if item.id in self.items:
            raise Taken(item.id)
        self._check(item)
        self.items[item.id] = item

    async def get(self, workspace_id: str, item_id: str, session: Any = None) -> E | None:
        item = self.items.get(item_id)
        return item if item is not None and item.workspace_id == workspace_id else None

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[E], int]:
        found = [
            i
            for i in self.items.values()
            if i.workspace_id == workspace_id and teamspace_id in (None, i.teamspace_id)
        ]

        def order(item: E) -> tuple[str, str]:
            value = item.id if self.order == "_id" else str(getattr(item, self.order))
            return item.teamspace_id, fold(value) if self.folded else value

        found.sort(key=order)
        return found[skip : skip + limit], len(found)

    async def update(
        self, workspace_id: str, item_id: str, changes: Mapping[str, Any], session: Any = None
    ) -> E | None:
        stored = await self.get(workspace_id, item_id)
        if stored is None:
            return None
        updated = stored.model_copy(update=dict(changes))
        self._check(updated)
        self.items[item_id] = updated
        return updated

    async def delete(self, workspace_id: str, item_id: str, session: Any = None) -> bool:
        if await self.get(workspace_id, item_id) is None:
            return False
        del self.items[item_id]
        return True


class FakeTags(FakeStore[Tag]):
    async def ungroup(
        self, workspace_id: str, group_id: str, changes: Mapping[str, Any], session: Any
    ) -> int:
        grouped = [
            t for t in self.items.values() if t.workspace_id == workspace_id and t.group_id == group_id
        ]
        for tag in grouped:
            self.items[tag.id] = tag.model_copy(update={**changes, "group_id": None})
        return len(grouped)

    async def tags_by_ids(self, workspace_id: str, ids: Sequence[str]) -> list[Tag]:
        return [t for i in ids if (t := await self.get(workspace_id, i)) is not None]


class FakeTagGroups(FakeStore[TagGroup]):
    async def hold(self, workspace_id: str, teamspace_id: str, group_id: str, session: Any) -> bool:
        assert session is not None, "a group is held inside a transaction"
        group = await self.get(workspace_id, group_id)
        return group is not None and group.teamspace_id == teamspace_id


@dataclass
class Catalog:
    db: FakeDb
    tags: FakeTags
    tag_groups: FakeTagGroups
    fields: FakeStore[CustomFieldDefinition]
    canned_replies: FakeStore[CannedReply]
    aliases: FakeStore[Alias]
    use_cases: CatalogUseCases


@pytest.fixture
def catalog() -> Catalog:
    db = FakeDb()
    tags = FakeTags(db, "tags", unique="name", order="name", folded=True)
    groups = FakeTagGroups(db, "tag_groups", unique="name", order="name", folded=True)
    fields: FakeStore[CustomFieldDefinition] = FakeStore(db, "custom_fields", unique="key", order="_id")
    replies: FakeStore[CannedReply] = FakeStore(db, "canned_replies", unique="shortcut", order="shortcut")
    aliases: FakeStore[Alias] = FakeStore(db, "aliases", unique=None, order="_id")
    use_cases = CatalogUseCases(
        tags=tags, tag_groups=groups, fields=fields, canned_replies=replies, aliases=aliases, transactions=db
    )
    return Catalog(db, tags, groups, fields, replies, aliases, use_cases)
