"""Storage of the tag copy (``tags``): one document per tag the inbox announced.

The write is conditional, like the read model's snapshots: a tag's fields are set only over an
older version, so a redelivered or late announcement changes nothing even when two replicas race
(the upsert finds no older document and its insert hits the existing ``_id``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from .schemas import TagState

TAGS = "tags"


class TagCopy:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[TAGS]
        # The tags of some groups (and every grouped tag, for ``tag_group=none``) of a workspace.
        mongo.declare_indexes(TAGS, [IndexModel([("workspace_id", ASCENDING), ("group_id", ASCENDING)])])

    async def state(self, tag_id: str) -> TagState | None:
        doc = await self.coll.find_one({"_id": tag_id}, {"workspace_id": 1, "version": 1, "deleted": 1})
        return TagState.model_validate(doc) if doc else None

    async def put(self, tag_id: str, fields: dict[str, Any]) -> bool:
        """Store the tag's ``fields`` unless it holds their version or a newer one, or belongs to
        another workspace; True if stored."""
        try:
            await self.coll.update_one(
                {
                    "_id": tag_id,
                    "workspace_id": fields["workspace_id"],
                    "version": {"$lt": fields["version"]},
                },
                {"$set": fields},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def ids_in_groups(self, workspace_id: str, group_ids: Sequence[str] | None) -> list[str]:
        """The ids of the workspace's tags in any of ``group_ids`` (``None``: in any group at all);
        a deleted tag is in none."""
        grouped = {"$ne": None} if group_ids is None else {"$in": list(group_ids)}
        query = {"workspace_id": workspace_id, "group_id": grouped, "deleted": False}
        return [str(d["_id"]) for d in await self.coll.find(query, {"_id": 1}).to_list()]
