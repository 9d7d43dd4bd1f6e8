"""Teamspace settings, one document per teamspace (``teamspace_settings``)."""

from __future__ import annotations

from typing import Any

from livechat_shared.contracts import TeamspaceSettings
from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from livechat_shared.writer import Session
from pymongo import ASCENDING, IndexModel, ReturnDocument

from .schemas import TeamspaceSettingsView

FIELDS = tuple(TeamspaceSettings.model_fields)


def _view(doc: dict[str, Any]) -> TeamspaceSettingsView:
    return TeamspaceSettingsView.model_validate(
        {**{k: doc[k] for k in FIELDS if k in doc}, "teamspace_id": doc["_id"], **_meta(doc)}
    )


def _meta(doc: dict[str, Any]) -> dict[str, Any]:
    return {"version": doc.get("version", 0), "updated_at": doc.get("updated_at")}


class TeamspaceSettingsRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["teamspace_settings"]
        mongo.declare_indexes("teamspace_settings", [IndexModel([("workspace_id", ASCENDING)])])

    async def get(self, workspace_id: str, teamspace_id: str) -> TeamspaceSettingsView | None:
        doc = await self.coll.find_one({"_id": teamspace_id, "workspace_id": workspace_id})
        return None if doc is None else _view(doc)

    async def put(
        self, workspace_id: str, teamspace_id: str, settings: TeamspaceSettings, session: Session
    ) -> TeamspaceSettingsView:
        """Store the settings (a new version)."""
        doc = await self.coll.find_one_and_update(
            {"_id": teamspace_id, "workspace_id": workspace_id},
            {"$set": {**settings.model_dump(), "updated_at": utcnow()}, "$inc": {"version": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return _view(doc)

    async def after(self, last_id: str | None, limit: int) -> list[tuple[str, TeamspaceSettingsView]]:
        """Every teamspace's stored settings with its workspace, by id (to announce them all again)."""
        query = {} if last_id is None else {"_id": {"$gt": last_id}}
        docs = await self.coll.find(query).sort("_id", ASCENDING).limit(limit).to_list()
        return [(str(d["workspace_id"]), _view(d)) for d in docs]
