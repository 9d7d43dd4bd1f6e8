"""The chats and messages collections: their indexes and the reads and writes every feature needs.

Writes take the caller's session, so a change and the events announcing it commit together (see
:mod:`inbox.core.writer`). Feature-specific queries live in the features' own repositories.
"""

from __future__ import annotations

from typing import Any

from livechat_shared.auth import Principal, Role
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from .models import Chat, Message, Person

Session = AsyncClientSession
Doc = dict[str, Any]

CHATS = "chats"
MESSAGES = "messages"
PEOPLE = "people"


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
                IndexModel([("workspace_id", ASCENDING), ("created_at", DESCENDING)]),
                IndexModel(
                    [("workspace_id", ASCENDING), ("team_ids", ASCENDING), ("created_at", DESCENDING)]
                ),
                IndexModel(
                    [("workspace_id", ASCENDING), ("assignee_id", ASCENDING), ("created_at", DESCENDING)]
                ),
                IndexModel([("workspace_id", ASCENDING), ("updated_at", ASCENDING)]),
                # Livechats waiting for an answer, per teamspace (the overdue rule).
                IndexModel([("teamspace_id", ASCENDING), ("waiting_since", ASCENDING)]),
                # A person's chats, newest first (the person's page, banning).
                IndexModel(
                    [("workspace_id", ASCENDING), ("person_id", ASCENDING), ("created_at", DESCENDING)],
                    name="person_chats",
                ),
            ],
        )

    async def get(self, chat_id: str, session: Session | None = None) -> Chat | None:
        doc = await self.coll.find_one({"_id": chat_id}, session=session)
        return Chat.from_doc(doc) if doc else None

    async def update(self, chat: Chat, changes: Doc, session: Session, *, seqs: int = 1) -> Chat | None:
        """Apply ``changes`` (``$set``) and take the next ``seq`` for a new message (the next
        ``seqs`` for as many messages: the returned ``next_seq`` is the last), unless the chat
        changed since ``chat`` was read (then ``None``)."""
        doc = await self.coll.find_one_and_update(
            {"_id": chat.id, "version": chat.version},
            {"$set": changes, "$inc": {"version": 1, "next_seq": seqs}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return Chat.from_doc(doc) if doc else None

    async def change(self, chat: Chat, changes: Doc, session: Session) -> Chat | None:
        """Apply ``changes`` (``$set``) and bump the version, with no new message, unless the chat
        changed since ``chat`` was read (then ``None``)."""
        doc = await self.coll.find_one_and_update(
            {"_id": chat.id, "version": chat.version},
            {"$set": changes, "$inc": {"version": 1}},
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
