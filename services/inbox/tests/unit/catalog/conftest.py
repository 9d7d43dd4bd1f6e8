"""In-memory fakes of the catalog's repositories, transactions and outbox, for use-case tests.

They keep the unique keys the real indexes keep (a name ignoring case and whitespace, a key, a
shortcut — each within a teamspace of a workspace), a transaction restores every collection (and
the outbox) when its work raises, as MongoDB aborts one, and a tag's every change is a new version.
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
from inbox.errors import WriteConflict
from livechat_shared.contracts import Envelope
from livechat_shared.writer import Writer

E = TypeVar("E", bound=Setting)


@dataclass
class FakeDb:
    collections: dict[str, dict[str, Setting]] = field(default_factory=dict)
    transactions: int = 0
    aborted: int = 0
    outbox: list[Envelope] = field(default_factory=list)
    """The events committed, in order."""

    async def transaction(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        saved, sent = copy.deepcopy(self.collections), len(self.outbox)
        try:
            result = await work("session")
        except BaseException:
            self.collections = saved
            del self.outbox[sent:]
            self.aborted += 1
            raise
        self.transactions += 1
        return result

    async def add(self, envelopes: list[Envelope], session: Any) -> list[Envelope]:
        assert session is not None, "events are stored inside a transaction"
        self.outbox.extend(envelopes)
        return envelopes

    def notify(self, committed: Any = ()) -> None:
        pass


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
    async def update(
        self, workspace_id: str, item_id: str, changes: Mapping[str, Any], session: Any = None
    ) -> Tag | None:
        stored = await self.get(workspace_id, item_id)
        version = {} if stored is None else {"version": stored.version + 1}
        return await super().update(workspace_id, item_id, {**changes, **version}, session)

    async def remove(self, workspace_id: str, tag_id: str, session: Any) -> Tag | None:
        assert session is not None, "a tag is deleted inside a transaction"
        return self.items.pop(tag_id) if await self.get(workspace_id, tag_id) is not None else None

    async def ungroup(
        self, workspace_id: str, group_id: str, changes: Mapping[str, Any], session: Any
    ) -> list[Tag]:
        grouped = [
            t for t in self.items.values() if t.workspace_id == workspace_id and t.group_id == group_id
        ]
        for tag in grouped:
            update = {**changes, "group_id": None, "version": tag.version + 1}
            self.items[tag.id] = tag.model_copy(update=update)
        return [self.items[t.id] for t in grouped]

    async def after(self, last_id: str | None, limit: int) -> list[Tag]:
        return sorted(
            (t for t in self.items.values() if last_id is None or t.id > last_id), key=lambda t: t.id
        )[:limit]

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
        tags=tags,
        tag_groups=groups,
        fields=fields,
        canned_replies=replies,
        aliases=aliases,
        writer=Writer(db, db, conflict=WriteConflict),
    )
    return Catalog(db, tags, groups, fields, replies, aliases, use_cases)
