"""Workspace-scoped documents of the directory. Every read and write names the workspace."""

from __future__ import annotations

from typing import Any

from livechat_shared.ids import new_id, utcnow
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel, ReturnDocument


def public(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k != "_id"}
    return {"id": doc["_id"], **out}


class DirectoryRepository:
    """One collection of workspace-scoped records (teamspaces, teams or users)."""

    def __init__(self, mongo: Mongo, name: str, unique: tuple[str, ...] = ()) -> None:
        self.coll = mongo.db[name]
        models = [IndexModel([("workspace_id", ASCENDING), ("created_at", ASCENDING)])]
        if unique:
            models.append(
                IndexModel([("workspace_id", ASCENDING), *[(f, ASCENDING) for f in unique]], unique=True)
            )
        mongo.declare_indexes(name, models)

    async def create(self, workspace_id: str, data: dict[str, Any]) -> dict[str, Any]:
        doc = {"_id": new_id(), "workspace_id": workspace_id, **data, "created_at": utcnow()}
        await self.coll.insert_one(doc)
        return doc

    async def get(self, workspace_id: str, item_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": item_id, "workspace_id": workspace_id})

    async def page(self, workspace_id: str, skip: int, limit: int, **filters: Any) -> tuple[list[dict], int]:
        query = {"workspace_id": workspace_id, **filters}
        docs = await self.coll.find(query).sort("created_at", ASCENDING).skip(skip).limit(limit).to_list()
        return docs, await self.coll.count_documents(query)

    async def update(self, workspace_id: str, item_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        return await self.coll.find_one_and_update(
            {"_id": item_id, "workspace_id": workspace_id},
            {"$set": {**changes, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )

    async def count(self, workspace_id: str, ids: list[str]) -> int:
        return await self.coll.count_documents({"workspace_id": workspace_id, "_id": {"$in": ids}})


class WorkspaceRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["workspaces"]

    async def put(self, workspace_id: str, name: str) -> dict[str, Any]:
        return await self.coll.find_one_and_update(
            {"_id": workspace_id},
            {"$set": {"name": name, "updated_at": utcnow()}, "$setOnInsert": {"created_at": utcnow()}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )

    async def get(self, workspace_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": workspace_id})
