"""Storage of the directory. Every read and write of a teamspace, team or user names its workspace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from livechat_shared.ids import utcnow
from livechat_shared.mongo import Document, Mongo
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..core.models import Slice, Team, Teamspace, User, Workspace
from ..errors import EmailTaken

E = TypeVar("E", bound=Document)


class WorkspaceRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["workspaces"]

    async def put(self, workspace_id: str, name: str) -> Workspace:
        """Name the workspace, creating it on first use."""
        doc = await self.coll.find_one_and_update(
            {"_id": workspace_id},
            {"$set": {"name": name, "updated_at": utcnow()}, "$setOnInsert": {"created_at": utcnow()}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return Workspace.from_doc(doc)

    async def get(self, workspace_id: str) -> Workspace | None:
        doc = await self.coll.find_one({"_id": workspace_id})
        return None if doc is None else Workspace.from_doc(doc)


class ScopedRepository(Generic[E]):
    """One collection of workspace-scoped entities, listed oldest first."""

    def __init__(self, mongo: Mongo, name: str, model: type[E], unique: tuple[str, ...] = ()) -> None:
        self.coll = mongo.db[name]
        self.model = model
        indexes = [IndexModel([("workspace_id", ASCENDING), ("created_at", ASCENDING)])]
        if unique:
            indexes.append(
                IndexModel([("workspace_id", ASCENDING), *[(f, ASCENDING) for f in unique]], unique=True)
            )
        mongo.declare_indexes(name, indexes)

    async def add(self, item: E) -> None:
        await self.coll.insert_one(item.to_doc())

    async def get(self, workspace_id: str, item_id: str) -> E | None:
        doc = await self.coll.find_one({"_id": item_id, "workspace_id": workspace_id})
        return None if doc is None else self.model.from_doc(doc)

    async def page(self, workspace_id: str, skip: int, limit: int) -> Slice[E]:
        query = {"workspace_id": workspace_id}
        docs = await self.coll.find(query).sort("created_at", ASCENDING).skip(skip).limit(limit).to_list()
        total = await self.coll.count_documents(query)
        return Slice([self.model.from_doc(d) for d in docs], total)

    async def update(self, workspace_id: str, item_id: str, changes: Mapping[str, Any]) -> E | None:
        """Set ``changes`` (and ``updated_at``); ``None`` when the workspace has no such item."""
        doc = await self.coll.find_one_and_update(
            {"_id": item_id, "workspace_id": workspace_id},
            {"$set": {**changes, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else self.model.from_doc(doc)

    async def count(self, workspace_id: str, ids: list[str]) -> int:
        """How many of ``ids`` name an item of the workspace."""
        return await self.coll.count_documents({"workspace_id": workspace_id, "_id": {"$in": ids}})


class TeamspaceRepository(ScopedRepository[Teamspace]):
    def __init__(self, mongo: Mongo) -> None:
        super().__init__(mongo, "teamspaces", Teamspace)


class TeamRepository(ScopedRepository[Team]):
    def __init__(self, mongo: Mongo) -> None:
        super().__init__(mongo, "teams", Team)


class UserRepository(ScopedRepository[User]):
    """Users; an email is unique within a workspace."""

    def __init__(self, mongo: Mongo) -> None:
        super().__init__(mongo, "users", User, unique=("email",))

    async def add(self, item: User) -> None:
        try:
            await super().add(item)
        except DuplicateKeyError as exc:
            raise EmailTaken() from exc
