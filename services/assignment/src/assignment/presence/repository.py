"""Presence, one document per user (``presence``, keyed by the user's id, with their workspace)."""

from __future__ import annotations

from typing import Any

from livechat_shared.contracts import PresenceStatus
from livechat_shared.mongo import Mongo
from livechat_shared.writer import Session
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from ..core.models import Slice
from .schemas import PresenceState, PresenceView

STATE_FIELDS = tuple(PresenceState.model_fields)


def _state(doc: dict[str, Any] | None) -> PresenceState:
    return (
        PresenceState()
        if doc is None
        else PresenceState.model_validate({k: doc.get(k) for k in STATE_FIELDS})
    )


class PresenceRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.db = mongo.db
        self.coll = mongo.db["presence"]
        mongo.declare_indexes("presence", [IndexModel([("workspace_id", ASCENDING), ("status", ASCENDING)])])

    async def get(self, workspace_id: str, user_id: str, session: Session | None = None) -> PresenceState:
        """The user's presence; offline at version 0 when it never changed."""
        doc = await self.coll.find_one({"_id": user_id, "workspace_id": workspace_id}, session=session)
        return _state(doc)

    async def save(
        self, workspace_id: str, user_id: str, state: PresenceState, expected_version: int, session: Session
    ) -> bool:
        """Store ``state`` if the stored presence is still at ``expected_version``; False if not."""
        fields = state.model_dump()
        if expected_version == 0:
            try:
                await self.coll.insert_one(
                    {"_id": user_id, "workspace_id": workspace_id, **fields}, session=session
                )
            except DuplicateKeyError:
                return False
            return True
        result = await self.coll.update_one(
            {"_id": user_id, "workspace_id": workspace_id, "version": expected_version},
            {"$set": fields},
            session=session,
        )
        return result.matched_count == 1

    async def page(
        self, workspace_id: str, status: PresenceStatus | None, skip: int, limit: int
    ) -> Slice[PresenceView]:
        """The presence of the workspace's active users, oldest user first (offline when never set),
        only those with ``status`` when given."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"workspace_id": workspace_id, "active": {"$ne": False}}},
            {"$sort": {"created_at": ASCENDING, "_id": ASCENDING}},
            {"$project": {"_id": 1}},
            {"$lookup": {"from": "presence", "localField": "_id", "foreignField": "_id", "as": "presence"}},
            {"$set": {"presence": {"$first": "$presence"}}},
            {"$set": {"status": {"$ifNull": ["$presence.status", "offline"]}}},
        ]
        if status is not None:
            pipeline.append({"$match": {"status": status}})
        pipeline.append(
            {"$facet": {"items": [{"$skip": skip}, {"$limit": limit}], "total": [{"$count": "n"}]}}
        )
        cursor = await self.db["users"].aggregate(pipeline)
        [found] = await cursor.to_list()
        items = [PresenceView.of(str(d["_id"]), _state(d.get("presence"))) for d in found["items"]]
        return Slice(items, found["total"][0]["n"] if found["total"] else 0)
