"""The chats and messages collections: their indexes and the reads and writes every feature needs.

Writes take the caller's session, so a change and the events announcing it commit together (see
:mod:`inbox.core.writer`). Feature-specific queries live in the features' own repositories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from livechat_shared.auth import Principal, Role
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from .models import Chat, ChatTombstone, Message, Person
from .search import index_update

Session = AsyncClientSession
Doc = dict[str, Any]

CHATS = "chats"
MESSAGES = "messages"
PEOPLE = "people"
TOMBSTONES = "chat_tombstones"


TABLE_SORTS = ("created_at", "updated_at", "last_message_at")
"""What the chat table sorts by (either way); ``_id`` breaks ties."""


def table_index(sort: str) -> str:
    """The index of a workspace's chats in ``sort`` order: the table of an admin (every chat of
    the workspace) with no filter on ``facets``, and the resync (``updated_at``)."""
    return f"chats_by_{sort}"


def facets_index(sort: str) -> str:
    """The index of a workspace's chats by facet, each facet's chats in ``sort`` order: every table
    query with a filter or a visibility scope (equalities on ``facets``: :mod:`inbox.core.search`)."""
    return f"chat_facets_by_{sort}"


TERMS_INDEX = "chat_terms_by_created_at"
"""The index of a workspace's chats newest first, each with its search terms after the sort
(equality, sort, range): a keyword search over the whole workspace reads the terms off the index.
Only by creation time, which never changes: an index of terms by ``updated_at`` would rewrite a
chat's hundreds of term keys at every message."""


_WS, _NEWEST = ("workspace_id", ASCENDING), ("_id", DESCENDING)

TABLE_INDEXES = [
    *(IndexModel([_WS, (sort, DESCENDING), _NEWEST], name=table_index(sort)) for sort in TABLE_SORTS),
    *(
        IndexModel([_WS, ("facets", ASCENDING), (sort, DESCENDING), _NEWEST], name=facets_index(sort))
        for sort in TABLE_SORTS
    ),
    IndexModel([_WS, ("created_at", DESCENDING), _NEWEST, ("terms", ASCENDING)], name=TERMS_INDEX),
]
"""The chat table's indexes, each ordered equality, sort, range (see ``inbox.search``)."""


RETIRED_CHAT_INDEXES = (
    "workspace_id_1_created_at_-1",
    "workspace_id_1_team_ids_1_created_at_-1",
    "workspace_id_1_assignee_id_1_created_at_-1",
    "workspace_id_1_updated_at_1",
)
"""The chat list's indexes before the table's (:data:`TABLE_INDEXES`) replaced them: dropped from
an upgraded database, where each chat write still paid for them."""


class DuplicateMessage(Exception):
    """A message with the same natural key (channel message id, client message id) is stored already."""


def visibility_query(user: Principal) -> Doc:
    """The MongoDB filter equivalent of :func:`livechat_shared.auth.can_see_chat` for list queries."""
    base: Doc = {"workspace_id": user.workspace_id}
    if user.role is Role.ADMIN:
        return base
    teams = sorted(user.teams)
    if user.role is Role.SUPERVISOR:
        return {**base, "$or": [{"assignee_id": user.user_id}, {"team_ids": {"$in": teams}}]}
    return {**base, "$or": [{"assignee_id": user.user_id}, {"assignee_id": None, "team_ids": {"$in": teams}}]}


def people_of(mongo: Mongo) -> AsyncCollection[Doc]:
    return mongo.db[PEOPLE]


async def person_in(
    people: AsyncCollection[Doc], workspace_id: str, person_id: str, session: Session | None = None
) -> Person | None:
    """A person of the workspace by id (people are written by the inbound feature)."""
    doc = await people.find_one({"_id": person_id, "workspace_id": workspace_id}, session=session)
    return Person.from_doc(doc) if doc else None


def chats_of(mongo: Mongo) -> AsyncCollection[Doc]:
    return mongo.db[CHATS]


def messages_of(mongo: Mongo) -> AsyncCollection[Doc]:
    return mongo.db[MESSAGES]


def tombstones_of(mongo: Mongo) -> AsyncCollection[Doc]:
    return mongo.db[TOMBSTONES]


class ChatStore:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = chats_of(mongo)
        mongo.declare_indexes(
            CHATS,
            [
                # At most one current chat per person and app: concurrent first messages meet here.
                IndexModel(
                    [("app_id", ASCENDING), ("person_id", ASCENDING)],
                    unique=True,
                    name="one_current_chat",
                    partialFilterExpression={"current": True},
                ),
                # The same chat by the channel's id for the person: an inbound message finds its chat
                # in one round trip, without reading the people collection.
                IndexModel(
                    [("app_id", ASCENDING), ("person_external_id", ASCENDING)],
                    name="current_chat_by_person_ref",
                    partialFilterExpression={"current": True},
                ),
                *TABLE_INDEXES,
                # Livechats waiting for an answer, per teamspace (the overdue rule).
                IndexModel([("teamspace_id", ASCENDING), ("waiting_since", ASCENDING)]),
                # A person's chats, newest first (the person's page, banning).
                IndexModel(
                    [("workspace_id", ASCENDING), ("person_id", ASCENDING), ("created_at", DESCENDING)],
                    name="person_chats",
                ),
            ],
        )
        mongo.retire_indexes(CHATS, RETIRED_CHAT_INDEXES)

    async def get(self, chat_id: str, session: Session | None = None) -> Chat | None:
        doc = await self.coll.find_one({"_id": chat_id}, session=session)
        return Chat.from_doc(doc) if doc else None

    async def update(
        self, chat: Chat, changes: Doc, session: Session, *, seqs: int = 1, texts: Sequence[str] = ()
    ) -> Chat | None:
        """Apply ``changes`` (``$set``) and take the next ``seq`` for a new message (the next
        ``seqs`` for as many messages: the returned ``next_seq`` is the last), unless the chat
        changed since ``chat`` was read (then ``None``). ``texts``: the new messages' texts, whose
        words the chat's search terms take in the same write."""
        return await self._write(chat, changes, {"version": 1, "next_seq": seqs}, texts, session)

    async def change(self, chat: Chat, changes: Doc, session: Session) -> Chat | None:
        """Apply ``changes`` (``$set``) and bump the version, with no new message, unless the chat
        changed since ``chat`` was read (then ``None``)."""
        return await self._write(chat, changes, {"version": 1}, (), session)

    async def _write(
        self, chat: Chat, changes: Doc, inc: Doc, texts: Sequence[str], session: Session
    ) -> Chat | None:
        """The one versioned write of a chat; its facets and search terms follow in the same update."""
        index = index_update(chat, changes, texts)
        update: Doc = {"$inc": inc}
        if changes or index.set:
            update["$set"] = {**changes, **index.set}
        if index.add:
            update["$addToSet"] = index.add
        doc = await self.coll.find_one_and_update(
            {"_id": chat.id, "version": chat.version},
            update,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return Chat.from_doc(doc) if doc else None


class MessageStore:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = messages_of(mongo)
        mongo.declare_indexes(
            MESSAGES,
            [
                IndexModel([("chat_id", ASCENDING), ("seq", ASCENDING)], unique=True),
                # The channel's own message id: a redelivered inbound message cannot be stored twice.
                IndexModel(
                    "inbound_key", unique=True, partialFilterExpression={"inbound_key": {"$type": "string"}}
                ),
                # An agent's client_message_id: a retried reply is stored once.
                IndexModel(
                    "client_key", unique=True, partialFilterExpression={"client_key": {"$type": "string"}}
                ),
            ],
        )

    async def insert(self, message: Message, session: Session) -> None:
        """Store ``message``; raises :class:`DuplicateMessage` when its natural key is taken."""
        try:
            await self.coll.insert_one(message.to_doc(), session=session)
        except DuplicateKeyError as exc:
            raise DuplicateMessage(message.inbound_key or message.client_key or message.id) from exc

    async def get(self, message_id: str, session: Session | None = None) -> Message | None:
        doc = await self.coll.find_one({"_id": message_id}, session=session)
        return Message.from_doc(doc) if doc else None


TOMBSTONES_BY_TIME = "tombstones_by_deleted_at"
"""The index the resync reads a workspace's tombstones by, in its order (``deleted_at``, ``_id``)."""


class TombstoneStore:
    """Deleted chats' tombstones: written by the deletion, in its transaction; read by the resync
    (``GET /v1/sync``: :mod:`inbox.chats.repository`).

    Each one expires at its own ``expire_at`` (a TTL index with no delay), set from the retention
    when the chat is deleted: a new retention applies to the deletions after it and the index never
    changes (a changed ``expireAfterSeconds`` would make index creation fail at start-up)."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = tombstones_of(mongo)
        mongo.declare_indexes(
            TOMBSTONES,
            [
                IndexModel(
                    [("workspace_id", ASCENDING), ("deleted_at", ASCENDING), ("_id", ASCENDING)],
                    name=TOMBSTONES_BY_TIME,
                ),
                IndexModel([("expire_at", ASCENDING)], expireAfterSeconds=0, name="tombstones_expire"),
            ],
        )

    async def add(self, tombstone: ChatTombstone, session: Session) -> None:
        """Keep ``tombstone`` (a chat is deleted once; a repeat replaces it)."""
        doc = tombstone.to_doc()
        await self.coll.replace_one({"_id": tombstone.id}, doc, upsert=True, session=session)
