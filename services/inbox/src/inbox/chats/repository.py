"""Queries of the chats collection and of the deleted chats' tombstones behind the resync, and the
teamspaces' chat rules (indexes: inbox.core.store; the chat table is the search feature's)."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.auth import Principal
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from ..core.models import Chat, ChatTombstone
from ..core.store import TOMBSTONES_BY_TIME, chats_of, tombstones_of, visibility_query


class ChatQueries:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = chats_of(mongo)
        self.tombstones = tombstones_of(mongo)

    async def changed_since(self, user: Principal, at: datetime, after_id: str, limit: int) -> list[Chat]:
        """The user's chats changed after (``at``, ``after_id``), oldest change first."""
        later = {"$or": [{"updated_at": {"$gt": at}}, {"updated_at": at, "_id": {"$gt": after_id}}]}
        cursor = (
            self.coll.find({"$and": [visibility_query(user), later]})
            .sort([("updated_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [Chat.from_doc(d) for d in await cursor.to_list()]

    async def deleted_since(
        self, user: Principal, at: datetime, after_id: str, limit: int
    ) -> list[ChatTombstone]:
        """Tombstones of chats the user could see, deleted after (``at``, ``after_id``), oldest
        first. A tombstone holds the fields visibility is decided by, so the chats' own filter
        applies; the range on ``deleted_at`` bounds the index, the tie on it is checked on what
        it finds."""
        later = {"$or": [{"deleted_at": {"$gt": at}}, {"deleted_at": at, "_id": {"$gt": after_id}}]}
        where = {"$and": [visibility_query(user), {"deleted_at": {"$gte": at}}, later]}
        cursor = (
            self.tombstones.find(where)
            .sort([("deleted_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
            .hint(TOMBSTONES_BY_TIME)
        )
        return [ChatTombstone.from_doc(d) for d in await cursor.to_list()]


POLICIES = "teamspace_policies"


class TeamspacePolicyCopy:
    """The inbox's copy of the teamspaces' chat rules (``min_tags_to_resolve`` and the reply-time
    limit ``overdue_after_seconds``), one document per teamspace, fed by the assignment service's
    ``assignment.settings.changed.v1`` (the newest version kept); a teamspace without one has no
    minimum and no limit."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[POLICIES]
        self.chats = chats_of(mongo)
        mongo.declare_indexes(POLICIES, [IndexModel([("overdue_after_seconds", ASCENDING)])])
        # the waiting chats' index: inbox.core.store.ChatStore

    async def reply_time_limits(self) -> list[tuple[str, str, int]]:
        """``(workspace_id, teamspace_id, seconds)`` of every teamspace with a reply-time limit."""
        docs = await self.coll.find({"overdue_after_seconds": {"$gt": 0}}).to_list()
        return [(str(d["workspace_id"]), str(d["_id"]), int(d["overdue_after_seconds"])) for d in docs]

    async def waiting_since_before(self, teamspace_id: str, before: datetime, limit: int) -> list[Chat]:
        """Open or pending livechats of the teamspace whose person has waited since before ``before``."""
        query = {
            "teamspace_id": teamspace_id,
            "waiting_since": {"$lt": before},
            "status": {"$in": ["open", "pending"]},
            "mode": "live",
        }
        cursor = self.chats.find(query).sort("waiting_since", ASCENDING).limit(limit)
        return [Chat.from_doc(d) for d in await cursor.to_list()]

    async def apply(
        self, workspace_id: str, teamspace_id: str, min_tags: int, overdue_seconds: int, version: int
    ) -> bool:
        """Keep a teamspace's rules unless the copy holds this version or a newer one; True if kept."""
        try:
            result = await self.coll.update_one(
                {"_id": teamspace_id, "version": {"$lt": version}},
                {
                    "$set": {
                        "workspace_id": workspace_id,
                        "min_tags_to_resolve": min_tags,
                        "overdue_after_seconds": overdue_seconds,
                        "version": version,
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:  # the copy holds this version or a newer one
            return False
        return result.modified_count > 0 or result.upserted_id is not None

    async def min_tags_to_resolve(self, workspace_id: str, teamspace_id: str) -> int:
        doc = await self.coll.find_one(
            {"_id": teamspace_id, "workspace_id": workspace_id}, {"min_tags_to_resolve": 1}
        )
        return int(doc.get("min_tags_to_resolve", 0)) if doc else 0
