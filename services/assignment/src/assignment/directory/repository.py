"""Storage of the directory. Every read and write of a teamspace, team or user names its workspace
(but :class:`UserDirectory`, which looks a token's user up wherever they are)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from livechat_shared.auth import Permission
from livechat_shared.contracts import DirectoryUser
from livechat_shared.ids import utcnow
from livechat_shared.mongo import Document, Mongo
from livechat_shared.writer import Session
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..core.models import Slice, Team, Teamspace, User, Workspace
from ..errors import EmailTaken

E = TypeVar("E", bound=Document)


class WorkspaceRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["workspaces"]

    async def add(self, workspace: Workspace, session: Session | None = None) -> None:
        await self.coll.insert_one(workspace.to_doc(), session=session)

    async def rename(self, workspace_id: str, name: str) -> Workspace | None:
        """Rename an existing workspace; ``None`` when there is none (nothing is created)."""
        doc = await self.coll.find_one_and_update(
            {"_id": workspace_id},
            {"$set": {"name": name, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else Workspace.from_doc(doc)

    async def get(self, workspace_id: str) -> Workspace | None:
        doc = await self.coll.find_one({"_id": workspace_id})
        return None if doc is None else Workspace.from_doc(doc)

    async def hold(self, workspace_id: str, session: Session | None) -> None:
        """Write the workspace's document inside the session's transaction. Two transactions that
        both hold it conflict, and the database runs the later one again after the first commits:
        a decision on a count of the workspace's users (the last admin) cannot be raced."""
        await self.coll.update_one({"_id": workspace_id}, {"$inc": {"holds": 1}}, session=session)


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

    async def add(self, item: E, session: Session | None = None) -> None:
        await self.coll.insert_one(item.to_doc(), session=session)

    async def get(self, workspace_id: str, item_id: str, session: Session | None = None) -> E | None:
        doc = await self.coll.find_one({"_id": item_id, "workspace_id": workspace_id}, session=session)
        return None if doc is None else self.model.from_doc(doc)

    async def page(self, workspace_id: str, skip: int, limit: int) -> Slice[E]:
        query = {"workspace_id": workspace_id}
        docs = await self.coll.find(query).sort("created_at", ASCENDING).skip(skip).limit(limit).to_list()
        total = await self.coll.count_documents(query)
        return Slice([self.model.from_doc(d) for d in docs], total)

    async def update(
        self, workspace_id: str, item_id: str, changes: Mapping[str, Any], session: Session | None = None
    ) -> E | None:
        """Set ``changes`` (and ``updated_at``); ``None`` when the workspace has no such item."""
        doc = await self.coll.find_one_and_update(
            {"_id": item_id, "workspace_id": workspace_id},
            {"$set": {**changes, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER,
            session=session,
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

    async def grants_by_team(
        self, team_ids: Sequence[str], session: Session | None = None
    ) -> dict[str, set[str]]:
        """Each of ``team_ids``' team-level grants (a team id is unique across workspaces)."""
        if not team_ids:
            return {}
        docs = await self.coll.find(
            {"_id": {"$in": list(set(team_ids))}}, {"grants": 1}, session=session
        ).to_list()
        return {str(d["_id"]): set(d.get("grants", [])) for d in docs}


class UserRepository(ScopedRepository[User]):
    """Users; an email is unique within a workspace."""

    def __init__(self, mongo: Mongo) -> None:
        super().__init__(mongo, "users", User, unique=("email",))
        mongo.declare_indexes(
            "users",
            [
                IndexModel([("workspace_id", ASCENDING), ("role", ASCENDING), ("active", ASCENDING)]),
                IndexModel([("workspace_id", ASCENDING), ("team_ids", ASCENDING)]),  # a team's members
            ],
        )

    async def add(self, item: User, session: Session | None = None) -> None:
        try:
            await super().add(item, session)
        except DuplicateKeyError as exc:
            raise EmailTaken() from exc

    async def save(self, user: User, expected_version: int, session: Session | None = None) -> bool:
        """Store ``user`` over the stored one if that is still at ``expected_version``; False if not."""
        fields = {k: v for k, v in user.to_doc().items() if k != "_id"}
        result = await self.coll.update_one(
            {"_id": user.id, "workspace_id": user.workspace_id, "version": _version_is(expected_version)},
            {"$set": fields},
            session=session,
        )
        return result.matched_count == 1

    async def members(self, workspace_id: str, team_id: str, session: Session | None = None) -> list[User]:
        docs = await self.coll.find(
            {"workspace_id": workspace_id, "team_ids": team_id}, session=session
        ).to_list()
        return [User.from_doc(d) for d in docs]

    async def count_active_admins(self, workspace_id: str, session: Session | None = None) -> int:
        return await self.coll.count_documents(
            {"workspace_id": workspace_id, "role": "admin", "active": {"$ne": False}}, session=session
        )

    async def find(self, user_id: str) -> User | None:
        """The user with this id, in whichever workspace (the caller checks the workspace)."""
        doc = await self.coll.find_one({"_id": user_id})
        return None if doc is None else User.from_doc(doc)

    async def after(self, last_id: str | None, limit: int) -> list[User]:
        """Up to ``limit`` users of every workspace, by id, after ``last_id`` (keyset paging)."""
        query = {} if last_id is None else {"_id": {"$gt": last_id}}
        docs = await self.coll.find(query).sort("_id", ASCENDING).limit(limit).to_list()
        return [User.from_doc(d) for d in docs]


def _version_is(version: int) -> Any:
    """A user stored before users had versions has none: it is at version 1."""
    return {"$in": [version, None]} if version == 1 else version


class UserDirectory:
    """The directory as request authentication reads it (``Runtime.directory``): this service's own
    users, so a role change or a deactivation takes effect on the user's next request here too —
    with their teams' grants among theirs, as the other services' copies hold them."""

    def __init__(self, users: UserRepository, teams: TeamRepository) -> None:
        self.users, self.teams = users, teams

    async def user(self, user_id: str) -> DirectoryUser | None:
        found = await self.users.find(user_id)
        if found is None:
            return None
        by_team = await self.teams.grants_by_team(found.team_ids)
        return found.snapshot(Permission(g) for team in found.team_ids for g in by_team.get(team, ()))
