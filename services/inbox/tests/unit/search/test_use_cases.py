"""The chat table's page and total (counted up to a cap, and only when the page cannot tell), and the
rebuild of a chat's search terms in one transaction, against in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from inbox.core.models import Chat
from inbox.search.repository import GroupTags, TablePlan, table_plan
from inbox.search.rules import parse_table_query
from inbox.search.use_cases import SearchUseCases
from livechat_dev.testing import InMemoryTransactions
from livechat_shared.auth import Principal, Role

from .conftest import chat_doc

ADMIN = Principal(user_id="admin", workspace_id="ws", role=Role.ADMIN)


def chat(n: int, **fields: object) -> Chat:
    return Chat.model_validate(chat_doc(n) | fields)


@dataclass
class FakeTable:
    chats: list[Chat]
    counted: list[int] = field(default_factory=list)
    groups: list[GroupTags] = field(default_factory=list)

    def plan(self, user: Principal, query: object, groups: GroupTags) -> TablePlan:
        self.groups.append(groups)
        return table_plan(user, parse_table_query([]), groups)

    async def page(self, plan: TablePlan, skip: int, limit: int) -> list[Chat]:
        return self.chats[skip : skip + limit]

    async def count(self, plan: TablePlan, at_most: int) -> int:
        self.counted.append(at_most)
        return min(len(self.chats), at_most)


@dataclass
class FakeTags:
    groups: dict[str, list[str]]

    async def ids_in_groups(self, workspace_id: str, group_ids: Sequence[str] | None) -> list[str]:
        named = self.groups if group_ids is None else {g: self.groups.get(g, []) for g in group_ids}
        return [t for tags in named.values() for t in tags]


@dataclass
class IndexState:
    chats: dict[str, Chat]
    outbox: list[object] = field(default_factory=list)


class FakeIndex(InMemoryTransactions[IndexState]):
    """The chats and their messages' texts, with transactions (the use case's two ports)."""

    def __init__(self, chats: dict[str, Chat], texts: Sequence[str] = ()) -> None:
        super().__init__(IndexState(chats))
        self.texts = list(texts)

    async def chat(self, chat_id: str, session: object) -> Chat | None:
        return self.state.chats.get(chat_id)

    async def message_texts(self, chat_id: str, limit: int, session: object) -> list[str]:
        return self.texts[:limit]

    async def store(self, chat_id: str, index: dict[str, list[str]], session: object) -> None:
        self.state.chats[chat_id] = self.state.chats[chat_id].model_copy(update=index)

    async def unindexed(self, limit: int) -> list[str]:
        return [c.id for c in self.state.chats.values() if not c.facets][:limit]


def use_cases(chats: list[Chat], cap: int = 10, index: FakeIndex | None = None) -> SearchUseCases:
    index = index or FakeIndex({})
    return SearchUseCases(
        table=FakeTable(chats),
        tags=FakeTags({"g1": ["t1", "t2"], "g2": ["t3"]}),
        index=index,
        transactions=index,
        count_cap=cap,
    )


@pytest.mark.parametrize(
    ("chats", "page", "size", "items", "total", "exact", "counts"),
    [
        (0, 1, 50, 0, 0, True, 0),  # nothing at all: the empty first page says so
        (7, 1, 50, 7, 7, True, 0),  # one page: it says how many
        (7, 2, 5, 2, 7, True, 0),  # the last page, part full
        (10, 2, 5, 5, 10, True, 1),  # a full page: counted
        (10, 3, 5, 0, 10, True, 1),  # past the end: counted
        (11, 1, 5, 5, 10, False, 1),  # more than the cap: the cap, not exact
        (30, 6, 5, 5, 10, False, 1),
    ],
)
async def test_the_total_is_counted_up_to_the_cap_when_the_page_cannot_tell(
    chats: int, page: int, size: int, items: int, total: int, exact: bool, counts: int
) -> None:
    cases = use_cases([chat(n) for n in range(chats)], cap=10)
    query = parse_table_query([("page", str(page)), ("page_size", str(size))])
    result = await cases.find(ADMIN, query)
    assert (len(result.items), result.total, result.total_exact) == (items, total, exact)
    assert (result.page, result.page_size) == (page, size)
    assert isinstance(cases.table, FakeTable)
    assert cases.table.counted == [11] * counts  # one more than the cap tells "more than the cap"


async def test_tag_groups_are_read_only_when_asked_for() -> None:
    cases = use_cases([])
    assert isinstance(cases.table, FakeTable)
    await cases.find(ADMIN, parse_table_query([]))
    await cases.find(ADMIN, parse_table_query([("tag_group", "g1"), ("tag_group", "none")]))
    assert cases.table.groups == [
        GroupTags(named=[], grouped=[]),
        GroupTags(named=["t1", "t2"], grouped=["t1", "t2", "t3"]),
    ]


async def test_rebuild_computes_terms_and_facets_from_the_stored_chat_and_messages() -> None:
    index = FakeIndex({"chat-001": chat(1, description="Broken printer")}, texts=["I want a Refund", "Café?"])
    cases = use_cases([], index=index)
    assert await cases.rebuild("chat-001")
    rebuilt = index.state.chats["chat-001"]
    assert rebuilt.terms == ["chat", "001", "ann", "broken", "printer", "want", "refund", "cafe"]
    assert rebuilt.message_terms == ["want", "refund", "cafe"]
    assert "status:open" in rebuilt.facets
    assert rebuilt.version == 1  # nothing agents see has changed
    assert index.commits == 1  # read and written in one transaction
    assert not await cases.rebuild("no-such-chat")


async def test_backfill_rebuilds_every_chat_without_facets() -> None:
    index = FakeIndex({c.id: c for c in [chat(1), chat(2), chat(3, facets=["status:open"])]})
    assert await use_cases([], index=index).backfill(batch=1) == 2
    assert all(c.facets for c in index.state.chats.values())
