"""A person, and their chats as a user may see them."""

from __future__ import annotations

from livechat_shared.auth import Principal
from livechat_shared.mongo import Mongo
from pymongo import DESCENDING

from ..core.models import Chat, Person
from ..core.store import chats_of, people_of, person_in, visibility_query

MOST_CHATS = 200


class PeopleRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.people = people_of(mongo)
        self.chats = chats_of(mongo)  # a person's chats: index "person_chats" (inbox.core.store)

    async def person(self, workspace_id: str, person_id: str) -> Person | None:
        return await person_in(self.people, workspace_id, person_id)

    async def visible_chats(self, user: Principal, person_id: str) -> list[Chat]:
        """The person's chats the user may see, newest first (at most :data:`MOST_CHATS`)."""
        query = {"$and": [{"person_id": person_id}, visibility_query(user)]}
        newest_first = [("created_at", DESCENDING), ("_id", DESCENDING)]
        cursor = self.chats.find(query).sort(newest_first).limit(MOST_CHATS)
        return [Chat.from_doc(d) for d in await cursor.to_list()]
