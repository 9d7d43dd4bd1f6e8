"""Who a chat can be transferred to, from the inbox's copy of the directory."""

from __future__ import annotations

from livechat_shared.contracts import DirectoryUser
from livechat_shared.directory import COLLECTION, DirectoryCopy
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel


class StaffDirectory:
    def __init__(self, mongo: Mongo) -> None:
        self.copy = DirectoryCopy(mongo)
        self.coll = mongo.db[COLLECTION]
        mongo.declare_indexes(
            COLLECTION, [IndexModel([("workspace_id", ASCENDING), ("team_ids", ASCENDING)])]
        )

    async def user(self, user_id: str) -> DirectoryUser | None:
        return await self.copy.user(user_id)

    async def team_has_members(self, workspace_id: str, team_id: str) -> bool:
        """Whether an active user of the workspace is in the team (a team nobody is in is unknown here)."""
        found = await self.coll.find_one(
            {"workspace_id": workspace_id, "team_ids": team_id, "active": True}, {"_id": 1}
        )
        return found is not None
