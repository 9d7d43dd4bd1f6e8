"""The chat table's queries, and the storage of rebuilt search terms.

A table query is a few equalities on the chat's ``facets`` (the user's visibility scope and each
filter: :mod:`inbox.core.search`), ranges on ``created_at`` and on one of the ``terms`` (a word
prefix), and a sort. :func:`table_plan` writes it for one of the indexes :mod:`inbox.core.store`
declares, each ordered equality, sort, range, and names that index as the query's hint:

- a scope or a filter → ``chat_facets_by_<sort>`` (``workspace_id, facets, <sort>, _id``): one
  facet's chats come out in sort order (several facets' are merged, not sorted); the other facet
  conditions and the ranges are checked on what it finds;
- else keywords, newest first → ``chat_terms_by_created_at`` (``workspace_id, created_at, _id,
  terms``): the prefix ranges are checked on the index keys;
- else → ``chats_by_<sort>`` (``workspace_id, <sort>, _id``).

The hint is deliberate: each query has one index that serves its filter and its sort, and MongoDB's
planner, trying candidates on whatever the first documents are, may settle on a more selective
index with an in-memory sort instead; the embedded server's planner cannot pick a compound index
for these queries at all. ``tests/integration/test_chat_table_plans.py`` explains every kind of
query against the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livechat_shared.auth import Principal
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession as Session

from ..core.models import Chat
from ..core.search import facet, field_facet, field_facet_range, scope_facets
from ..core.store import TERMS_INDEX, chats_of, facets_index, messages_of, table_index
from .schemas import TableQuery

Doc = dict[str, Any]
NOTHING: Doc = {"_id": {"$in": []}}
"""A condition no chat meets."""
INDEX_FIELDS = {"facets": 0, "terms": 0, "message_terms": 0}
"""Left out of what the table reads: the page shows none of them."""


@dataclass(frozen=True)
class GroupTags:
    """The tags the query's tag groups stand for (the catalog's grouping, read when queried)."""

    named: list[str]
    """The tags of the groups the query names."""
    grouped: list[str]
    """Every tag in a group (for ``tag_group=none``; empty unless the query asks for it)."""


@dataclass(frozen=True)
class TablePlan:
    filter: Doc
    sort: list[tuple[str, int]]
    index: str
    """The index that serves the filter and the sort (sent as the query's hint)."""


def table_plan(user: Principal, query: TableQuery, groups: GroupTags) -> TablePlan:
    """The user's chats matching ``query``: the filter, the sort and the index that serves both."""
    equal: list[Doc] = []  # equalities on facets: any one of them bounds the facets index
    other: list[Doc] = []  # conditions checked on what the index finds (or on its keys)
    scope = scope_facets(user)
    if scope is not None:
        equal.append({"facets": {"$in": scope}})
    for kind, values in (
        ("status", query.status),
        ("mode", query.mode),
        ("agent", query.agent),
        ("team", query.team),
        ("tag", query.tag),
        ("csat", query.csat),
    ):
        if values:
            equal.append({"facets": {"$in": [facet(kind, v) for v in values]}})
    for clause in (_tag_groups(query, groups), *(_field(k, v) for k, v in query.custom_fields.items())):
        if clause is not None:
            (equal if set(clause) == {"facets"} and "$in" in clause["facets"] else other).append(clause)
    other += _created(query)
    # $elemMatch: one term in the range (a bare range on an array holds when one element is above
    # the lower bound and another below the upper one); it bounds the index on both sides as well.
    other += [{"terms": {"$elemMatch": {"$gte": w, "$lt": _after_prefix(w)}}} for w in query.words]
    direction = DESCENDING if query.descending else ASCENDING
    sort = [(query.sort, direction), ("_id", direction)]
    if equal:
        index = facets_index(query.sort)
    elif query.words and query.sort == "created_at":
        index = TERMS_INDEX
    else:
        index = table_index(query.sort)
    clauses = [*equal, *other]
    where: Doc = {"workspace_id": user.workspace_id}
    if len(clauses) == 1:
        where |= clauses[0]
    elif clauses:
        where["$and"] = clauses
    return TablePlan(filter=where, sort=sort, index=index)


def _either(values: list[Doc]) -> Doc:
    return values[0] if len(values) == 1 else {"$or": values}


def _tag_groups(query: TableQuery, groups: GroupTags) -> Doc | None:
    """A chat with a tag of a named group; ``none``: with no tag of any group."""
    if not query.tag_group:
        return None
    either: list[Doc] = []
    if any(g is not None for g in query.tag_group):
        either.append({"facets": {"$in": [facet("tag", t) for t in groups.named]}})
    if None in query.tag_group:
        either.append({"facets": {"$nin": [facet("tag", t) for t in groups.grouped]}})
    return _either(either)


def _field(key: str, values: list[str | None]) -> Doc | None:
    """A chat whose custom field ``key`` has one of ``values``; ``none``: it has no value."""
    either: list[Doc] = []
    named = [field_facet(key, v) for v in values if v is not None]
    if named:
        either.append({"facets": {"$in": named}})
    if None in values:
        low, high = field_facet_range(key)
        either.append({"facets": {"$not": {"$elemMatch": {"$gte": low, "$lt": high}}}})
    return _either(either) if either else None


def _created(query: TableQuery) -> list[Doc]:
    """Bounds on the creation time: of several, any will do (the widest); ``none`` adds nothing, so
    ``none`` alone matches no chat (every chat has a creation time)."""
    bounds: Doc = {}
    if query.created_from:
        starts = [t for t in query.created_from if t is not None]
        if not starts:
            return [NOTHING]
        bounds["$gte"] = min(starts)
    if query.created_before:
        ends = [t for t in query.created_before if t is not None]
        if not ends:
            return [NOTHING]
        bounds["$lt"] = max(ends)
    return [{"created_at": bounds}] if bounds else []


def _after_prefix(prefix: str) -> str:
    """The least string after every string that starts with ``prefix``: its last character's
    successor (terms are words: letters and digits, never the last code point)."""
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored: the next character after them
        following = 0xE000
    return prefix[:-1] + chr(following)


class ChatTable:
    """The chat table's reads (indexes: ``TABLE_INDEXES`` in :mod:`inbox.core.store`)."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = chats_of(mongo)

    def plan(self, user: Principal, query: TableQuery, groups: GroupTags) -> TablePlan:
        return table_plan(user, query, groups)

    async def page(self, plan: TablePlan, skip: int, limit: int) -> list[Chat]:
        cursor = (
            self.coll.find(plan.filter, INDEX_FIELDS).sort(plan.sort).skip(skip).limit(limit).hint(plan.index)
        )
        return [Chat.from_doc(d) for d in await cursor.to_list()]

    async def count(self, plan: TablePlan, at_most: int) -> int:
        """How many chats match, counting no further than ``at_most``."""
        return await self.coll.count_documents(plan.filter, hint=plan.index, limit=at_most)


class SearchIndexStore:
    """What rebuilding a chat's facets and terms reads and writes."""

    def __init__(self, mongo: Mongo) -> None:
        self.chats = chats_of(mongo)
        self.messages = messages_of(mongo)  # a chat's messages in order: index (chat_id, seq)

    async def chat(self, chat_id: str, session: Session) -> Chat | None:
        doc = await self.chats.find_one({"_id": chat_id}, session=session)
        return Chat.from_doc(doc) if doc else None

    async def message_texts(self, chat_id: str, limit: int, session: Session) -> list[str]:
        """The texts of the chat's first ``limit`` messages, in order."""
        query = self.messages.find({"chat_id": chat_id}, {"text": 1}, session=session)
        return [str(d.get("text") or "") for d in await query.sort("seq", ASCENDING).limit(limit).to_list()]

    async def store(self, chat_id: str, index: dict[str, list[str]], session: Session) -> None:
        """Keep the rebuilt ``index`` fields. The chat's version stays: nothing agents see changed."""
        await self.chats.update_one({"_id": chat_id}, {"$set": index}, session=session)

    async def unindexed(self, limit: int) -> list[str]:
        """Ids of chats stored before they had facets (no ``facets``, or ``null``), at most ``limit``.

        Run at every start, so it must cost next to nothing when there are none: it is bounded by
        the facets index (``workspace_id, facets, created_at, _id``), where a chat without facets
        is keyed by ``null`` (before every facet string), so MongoDB's index scan seeks from one
        workspace's ``null`` keys to the next, a key or two per workspace instead of every chat
        (the embedded server, whose planner is simpler, reads the collection)."""
        unindexed = self.chats.find({"facets": None}, {"_id": 1}).hint(facets_index("created_at"))
        return [str(d["_id"]) for d in await unindexed.limit(limit).to_list()]
