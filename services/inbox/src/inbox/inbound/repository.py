"""People, and the person's current chat, as inbound messages find or create them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.contracts import MessageReceivedV1
from livechat_shared.ids import new_id
from livechat_shared.mongo import Mongo
from livechat_shared.text import words
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from ..core.models import Chat, Person, display_name
from ..core.search import MAX_MESSAGE_TERMS, MAX_MESSAGE_WORDS, chat_facets, new_chat_index
from ..core.store import PEOPLE, chats_of, people_of

Session = AsyncClientSession


class CreationRace(Exception):
    """A concurrent first message created the same person or chat first."""


class PersonRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = people_of(mongo)
        mongo.declare_indexes(
            PEOPLE,
            [
                IndexModel([("app_id", ASCENDING), ("external_id", ASCENDING)], unique=True),
                IndexModel([("workspace_id", ASCENDING), ("name_lc", ASCENDING)]),
            ],
        )

    async def upsert_from_channel(
        self, workspace_id: str, event: MessageReceivedV1, now: datetime, session: Session
    ) -> Person:
        """The person the channel names, created on their first message; raises :class:`CreationRace`."""
        update: dict[str, Any] = {
            "$setOnInsert": {
                "_id": new_id(),
                "workspace_id": workspace_id,
                "channel": event.channel,
                "created_at": now,
            },
            "$set": {"last_seen_at": now},
        }
        if event.person.name:
            update["$set"] |= {"name": event.person.name, "name_lc": event.person.name.lower()}
        if event.person.language:
            update["$set"]["language"] = event.person.language
        try:
            doc = await self.coll.find_one_and_update(
                {"app_id": event.app_id, "external_id": event.person.external_id},
                update,
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
        except DuplicateKeyError as exc:
            raise CreationRace from exc
        return Person.from_doc(doc)


class CurrentChatRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = chats_of(mongo)  # indexes: inbox.core.store.ChatStore

    async def touch_existing(
        self, event: MessageReceivedV1, now: datetime, session: Session
    ) -> tuple[Chat, bool] | None:
        """The person's current chat in the app, bumped for a new message (version, next ``seq``)
        with the message's words in its search terms, without touching the people collection, and
        whether the message reopened it (it was resolved); ``None`` when they have none yet.

        One update, written as a pipeline: it keeps the terms bounded without reading the chat
        first (:func:`_with_words`)."""
        changes: dict[str, Any] = {"updated_at": now, "last_message_at": now}
        if event.person.name:
            changes["person.name"] = {"$literal": event.person.name}
        current = {"app_id": event.app_id, "person_external_id": event.person.external_id, "current": True}
        bump = {
            "version": {"$add": ["$version", 1]},
            "next_seq": {"$add": ["$next_seq", 1]},
            # the oldest unanswered message's time stays (ANSWERED, later than any, gives way to this one)
            "waiting_since": {"$min": ["$waiting_since", now]},
        }
        update = {**changes, **bump, **_with_words(event)}
        doc = await self.coll.find_one_and_update(
            current, [{"$set": update}], return_document=ReturnDocument.AFTER, session=session
        )
        if doc is None:
            return None
        reopened = doc["status"] == "resolved"
        if reopened:
            # The person's new message reopens a resolved chat: a second write, rarely, in the same
            # transaction (a condition on the status in the first one made every message cost the
            # embedded database far more than this).
            opened = Chat.from_doc(doc).model_copy(update={"status": "open"})
            doc = await self.coll.find_one_and_update(
                {"_id": doc["_id"]},
                {"$set": {"status": "open", "facets": chat_facets(opened)}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
        return Chat.from_doc(doc), reopened

    async def touch_current(
        self, workspace_id: str, event: MessageReceivedV1, person: Person, now: datetime, session: Session
    ) -> Chat:
        """Find the person's current chat in the app or start one (AI mode); bump its version and
        reserve the next ``seq``. Raises :class:`CreationRace`."""
        chat_id, name = new_id(), display_name(person.name)
        try:
            doc = await self.coll.find_one_and_update(
                {"app_id": event.app_id, "person_id": person.id, "current": True},
                {
                    "$setOnInsert": {
                        "_id": chat_id,
                        "workspace_id": workspace_id,
                        "teamspace_id": event.teamspace_id,
                        "app": {"id": event.app_id, "channel": event.channel, "name": event.app_name},
                        "person_external_id": event.person.external_id,
                        "mode": "ai",
                        "status": "open",
                        "assignee_id": None,
                        "team_ids": event.team_ids,
                        "description": "",
                        "tags": [],
                        "custom_fields": {},
                        "rating": None,
                        "person_language": event.person.language,
                        "created_at": now,
                        **new_chat_index(chat_id, name, event.team_ids, event.text),
                    },
                    "$set": {
                        "person": {"id": person.id, "name": name},
                        "updated_at": now,
                        "last_message_at": now,
                    },
                    "$inc": {"version": 1, "next_seq": 1},
                    "$min": {"waiting_since": now},
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
        except DuplicateKeyError as exc:
            raise CreationRace from exc
        if doc["_id"] != chat_id and (added := _with_words(event)):
            # The person had a current chat after all (found by their id, not the channel's): the
            # message's words go to it as to any existing chat (a second write, on this rare path).
            doc = await self.coll.find_one_and_update(
                {"_id": doc["_id"]}, [{"$set": added}], return_document=ReturnDocument.AFTER, session=session
            )
        return Chat.from_doc(doc)


def _with_words(event: MessageReceivedV1) -> dict[str, Any]:
    """The pipeline ``$set`` of a person's message's words into the chat's search terms: added to
    the message terms while the chat holds fewer than it keeps (so a chat never holds more than
    ``MAX_MESSAGE_TERMS + MAX_MESSAGE_WORDS``), and to the terms with the person's name."""
    added = words(event.text, MAX_MESSAGE_WORDS)
    named = words(event.person.name, 10) if event.person.name else []
    if not added and not named:
        return {}
    have = {"$ifNull": ["$message_terms", []]}
    room = {"$lt": [{"$size": have}, MAX_MESSAGE_TERMS]}
    kept = {"$cond": [room, {"$literal": added}, []]}
    return {
        "message_terms": {"$setUnion": [have, kept]},
        "terms": {"$setUnion": [{"$ifNull": ["$terms", []]}, kept, {"$literal": named}]},
    }
