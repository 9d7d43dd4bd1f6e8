"""Storage of the catalog: one collection per kind of setting, every query scoped to a workspace.

Uniqueness (a tag's or tag group's name, a custom field's key, a canned reply's shortcut, each
within a teamspace) is kept by unique indexes: a clash surfaces as :class:`Taken` when the write
is refused, never by reading first. Names are unique ignoring case and runs of whitespace (the
folded name is stored as ``name_key`` beside the name). Lists are ordered by teamspace, then by
name (tags, tag groups), shortcut (canned replies) or creation (custom fields, aliases), each
served by one index that starts with ``workspace_id`` and ``teamspace_id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from .schemas import Alias, CannedReply, CustomFieldDefinition, Setting, Tag, TagGroup

E = TypeVar("E", bound=Setting)
Session = AsyncClientSession


class Taken(Exception):
    """Another setting of the teamspace holds the same unique name, key or shortcut."""


def fold(name: str) -> str:
    """The key a name is unique by: "VIP  customers" and "vip customers" are the same name."""
    return " ".join(name.split()).casefold()


def scoped(*fields: str, unique: bool = False) -> IndexModel:
    """An index on ``workspace_id``, ``teamspace_id`` and then ``fields``."""
    keys = [("workspace_id", ASCENDING), ("teamspace_id", ASCENDING), *((f, ASCENDING) for f in fields)]
    return IndexModel(keys, unique=unique)


class SettingRepository(Generic[E]):
    """One collection of settings; ``order`` is the field a teamspace's settings are listed by."""

    def __init__(
        self,
        mongo: Mongo,
        name: str,
        model: type[E],
        *,
        order: str,
        indexes: Sequence[IndexModel],
        unique_name: bool = False,
    ) -> None:
        self.coll = mongo.db[name]
        self.model, self.order, self.unique_name = model, order, unique_name
        mongo.declare_indexes(name, indexes)

    def _keys(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """What is stored beside ``fields`` for the unique indexes: the folded name, where names
        are unique."""
        return {"name_key": fold(fields["name"])} if self.unique_name and "name" in fields else {}

    async def add(self, item: E, session: Session | None = None) -> None:
        """Store a new setting; raises :class:`Taken` when its unique key is taken."""
        doc = item.to_doc()
        try:
            await self.coll.insert_one({**doc, **self._keys(doc)}, session=session)
        except DuplicateKeyError as exc:
            raise Taken(item.id) from exc

    async def get(self, workspace_id: str, item_id: str, session: Session | None = None) -> E | None:
        doc = await self.coll.find_one({"_id": item_id, "workspace_id": workspace_id}, session=session)
        return None if doc is None else self.model.from_doc(doc)

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[E], int]:
        """The workspace's settings (of one teamspace, when named) in list order, and how many in all."""
        query: dict[str, Any] = {"workspace_id": workspace_id}
        if teamspace_id is not None:
            query["teamspace_id"] = teamspace_id
        cursor = (
            self.coll.find(query)
            .sort([("teamspace_id", ASCENDING), (self.order, ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        items = [self.model.from_doc(d) for d in await cursor.to_list()]
        return items, await self.coll.count_documents(query)

    def _change(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The update that sets ``changes`` (with the keys of the unique indexes)."""
        return {"$set": {**changes, **self._keys(changes)}}

    async def update(
        self, workspace_id: str, item_id: str, changes: Mapping[str, Any], session: Session | None = None
    ) -> E | None:
        """Set ``changes``; ``None`` when the workspace has no such setting; raises :class:`Taken`
        when the change would take another setting's unique key."""
        try:
            doc = await self.coll.find_one_and_update(
                {"_id": item_id, "workspace_id": workspace_id},
                self._change(changes),
                return_document=ReturnDocument.AFTER,
                session=session,
            )
        except DuplicateKeyError as exc:
            raise Taken(item_id) from exc
        return None if doc is None else self.model.from_doc(doc)

    async def delete(self, workspace_id: str, item_id: str, session: Session | None = None) -> bool:
        """Delete the setting; False when the workspace has no such setting."""
        result = await self.coll.delete_one({"_id": item_id, "workspace_id": workspace_id}, session=session)
        return result.deleted_count == 1


class TagGroupRepository(SettingRepository[TagGroup]):
    def __init__(self, mongo: Mongo) -> None:
        super().__init__(
            mongo,
            "tag_groups",
            TagGroup,
            order="name_key",
            indexes=[scoped("name_key", unique=True)],
            unique_name=True,
        )

    async def hold(self, workspace_id: str, teamspace_id: str, group_id: str, session: Session) -> bool:
        """Write the group inside the session's transaction, so that a concurrent deletion of it
        conflicts (the database runs the later transaction again); False when the teamspace has no
        such group."""
        result = await self.coll.update_one(
            {"_id": group_id, "workspace_id": workspace_id, "teamspace_id": teamspace_id},
            {"$inc": {"holds": 1}},
            session=session,
        )
        return result.matched_count == 1


class TagRepository(SettingRepository[Tag]):
    def __init__(self, mongo: Mongo) -> None:
        super().__init__(
            mongo,
            "tags",
            Tag,
            order="name_key",
            indexes=[
                scoped("name_key", unique=True),
                # The tags of a group, ungrouped when it is deleted.
                IndexModel([("workspace_id", ASCENDING), ("group_id", ASCENDING)]),
            ],
            unique_name=True,
        )

    def _change(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Every change of a tag is a new version of it (what its announcement carries)."""
        return {**super()._change(changes), "$inc": {"version": 1}}

    async def remove(self, workspace_id: str, tag_id: str, session: Session) -> Tag | None:
        """Delete the tag; the tag as it was (for its announcement), ``None`` when there is none."""
        doc = await self.coll.find_one_and_delete(
            {"_id": tag_id, "workspace_id": workspace_id}, session=session
        )
        return None if doc is None else Tag.from_doc(doc)

    async def ungroup(
        self, workspace_id: str, group_id: str, changes: Mapping[str, Any], session: Session
    ) -> list[Tag]:
        """Take every tag out of the group (setting ``changes`` as well, each a new version); the
        tags as they are now. Inside the caller's transaction: a tag changed meanwhile conflicts."""
        query = {"workspace_id": workspace_id, "group_id": group_id}
        ids = [d["_id"] for d in await self.coll.find(query, {"_id": 1}, session=session).to_list()]
        if not ids:
            return []
        await self.coll.update_many(
            {**query, "_id": {"$in": ids}}, self._change({**changes, "group_id": None}), session=session
        )
        docs = await self.coll.find({"_id": {"$in": ids}}, session=session).sort("_id", ASCENDING).to_list()
        return [Tag.from_doc(d) for d in docs]

    async def after(self, last_id: str | None, limit: int) -> list[Tag]:
        """Up to ``limit`` tags of every workspace, in id order, after ``last_id``."""
        query = {} if last_id is None else {"_id": {"$gt": last_id}}
        docs = await self.coll.find(query).sort("_id", ASCENDING).limit(limit).to_list()
        return [Tag.from_doc(d) for d in docs]

    async def tags_by_ids(self, workspace_id: str, ids: Sequence[str]) -> list[Tag]:
        """The workspace's tags among ``ids``, in the order named (unknown ids are left out)."""
        wanted = list(dict.fromkeys(ids))
        docs = await self.coll.find({"workspace_id": workspace_id, "_id": {"$in": wanted}}).to_list()
        found = {d["_id"]: Tag.from_doc(d) for d in docs}
        return [found[i] for i in wanted if i in found]

    async def ids_in_groups(self, workspace_id: str, group_ids: Sequence[str] | None) -> list[str]:
        """The ids of the workspace's tags in any of ``group_ids`` (``None``: in any group at all)."""
        grouped = {"$ne": None} if group_ids is None else {"$in": list(group_ids)}
        query = {"workspace_id": workspace_id, "group_id": grouped}
        return [str(d["_id"]) for d in await self.coll.find(query, {"_id": 1}).to_list()]


class CustomFieldRepository(SettingRepository[CustomFieldDefinition]):
    def __init__(self, mongo: Mongo) -> None:
        super().__init__(
            mongo,
            "custom_fields",
            CustomFieldDefinition,
            order="_id",
            indexes=[scoped("key", unique=True), scoped("_id")],
        )

    async def field_definitions(self, workspace_id: str, teamspace_id: str) -> list[CustomFieldDefinition]:
        """Every custom field of the teamspace, oldest first."""
        cursor = self.coll.find({"workspace_id": workspace_id, "teamspace_id": teamspace_id}).sort(
            [("teamspace_id", ASCENDING), ("_id", ASCENDING)]
        )
        return [CustomFieldDefinition.from_doc(d) for d in await cursor.to_list()]


class CannedReplyRepository(SettingRepository[CannedReply]):
    def __init__(self, mongo: Mongo) -> None:
        super().__init__(
            mongo, "canned_replies", CannedReply, order="shortcut", indexes=[scoped("shortcut", unique=True)]
        )

    async def canned_reply_by_shortcut(
        self, workspace_id: str, teamspace_id: str, shortcut: str
    ) -> CannedReply | None:
        doc = await self.coll.find_one(
            {"workspace_id": workspace_id, "teamspace_id": teamspace_id, "shortcut": shortcut}
        )
        return None if doc is None else CannedReply.from_doc(doc)


class AliasRepository(SettingRepository[Alias]):
    def __init__(self, mongo: Mongo) -> None:
        super().__init__(mongo, "aliases", Alias, order="_id", indexes=[scoped("_id")])

    async def alias(self, workspace_id: str, alias_id: str) -> Alias | None:
        return await self.get(workspace_id, alias_id)


@dataclass(frozen=True)
class CatalogRepositories:
    """The catalog's collections, built once (each declares its indexes) and shared by the catalog's
    use cases and, through ports wired in ``app.py``, by other features."""

    tags: TagRepository
    tag_groups: TagGroupRepository
    fields: CustomFieldRepository
    canned_replies: CannedReplyRepository
    aliases: AliasRepository

    @classmethod
    def create(cls, mongo: Mongo) -> CatalogRepositories:
        return cls(
            tags=TagRepository(mongo),
            tag_groups=TagGroupRepository(mongo),
            fields=CustomFieldRepository(mongo),
            canned_replies=CannedReplyRepository(mongo),
            aliases=AliasRepository(mongo),
        )
