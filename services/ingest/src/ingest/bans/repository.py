"""Ingest's copy of the bans (``ban_copies``): one document per person as the edge knows them
(``<app_id>:<external_id>``), the newest ban change winning."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.contracts import BanChangedV1
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from .schemas import BanKey, person_key


class BanCopyRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["ban_copies"]
        mongo.declare_indexes("ban_copies", [IndexModel([("active", ASCENDING), ("until", ASCENDING)])])

    async def apply(self, event: BanChangedV1, at: datetime) -> bool:
        """Keep the person's ban as ``event`` says, unless a newer change (``at``) is stored; an unban
        lifts only the ban it names. False when the change was stale or named another ban."""
        key = person_key(event.app_id, event.person_external_id)
        filter_: dict[str, object] = {"_id": key, "at": {"$lt": at}}
        if not event.active:
            filter_["ban_id"] = event.ban_id
        fields = {"ban_id": event.ban_id, "active": event.active, "until": event.until, "at": at}
        try:
            result = await self.coll.update_one(filter_, {"$set": fields}, upsert=event.active)
        except DuplicateKeyError:  # a newer change is stored: this one is stale
            return False
        return result.matched_count == 1 or result.upserted_id is not None

    async def active(self, now: datetime) -> dict[BanKey, datetime | None]:
        """Every ban in force at ``now``: person -> when it ends (``None``: never)."""
        docs = await self.coll.find(
            {"active": True, "$or": [{"until": None}, {"until": {"$gt": now}}]}, {"until": 1}
        ).to_list()
        return {str(d["_id"]): d.get("until") for d in docs}
