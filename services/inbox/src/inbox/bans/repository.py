"""Storage of banning: the ``ban_reasons``, ``ban_rules``, ``bans`` and ``ban_audit`` collections,
and the person to ban as the ``people`` and ``chats`` collections hold them. Every query is scoped
to a workspace and served by an index declared here.

Uniqueness is kept by unique indexes, never by reading first: a reason's name (ignoring case and
runs of whitespace; the folded name is stored as ``name_key``) and a rule's ``offences`` within a
teamspace surface as :class:`Taken`; a second current ban of one person as :class:`RaceLost`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from livechat_shared.auth import Principal
from livechat_shared.mongo import Mongo
from livechat_shared.writer import RaceLost
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from ..core.models import Person
from ..core.store import chats_of, people_of, person_in, visibility_query
from .schemas import AuditEntry, Ban, BanReason, BanRule

Session = AsyncClientSession
Doc = dict[str, Any]

REASONS, RULES, BANS, AUDIT = "ban_reasons", "ban_rules", "bans", "ban_audit"
MOST_RULES = 1000
"""A teamspace's rules read to pick a ban's length (offence counts are at most 1000, each once)."""
NEWEST_FIRST = [("created_at", DESCENDING), ("_id", DESCENDING)]


class Taken(Exception):
    """Another reason (rule) of the teamspace has the same name (offence count)."""


def fold(name: str) -> str:
    """The key a reason's name is unique by: "Spam  links" and "spam links" are the same name."""
    return " ".join(name.split()).casefold()


def _teamspace_query(workspace_id: str, teamspace_id: str | None) -> Doc:
    query: Doc = {"workspace_id": workspace_id}
    if teamspace_id is not None:
        query["teamspace_id"] = teamspace_id
    return query


class BanReasonRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[REASONS]
        mongo.declare_indexes(
            REASONS,
            [
                IndexModel(
                    [("workspace_id", ASCENDING), ("teamspace_id", ASCENDING), ("name_key", ASCENDING)],
                    unique=True,
                )
            ],
        )

    async def add(self, reason: BanReason) -> None:
        """Store a new reason; raises :class:`Taken` when the teamspace has one of that name."""
        try:
            await self.coll.insert_one({**reason.to_doc(), "name_key": fold(reason.name)})
        except DuplicateKeyError as exc:
            raise Taken(reason.name) from exc

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[BanReason], int]:
        """The reasons by teamspace and name, and how many there are in all."""
        query = _teamspace_query(workspace_id, teamspace_id)
        order = [("teamspace_id", ASCENDING), ("name_key", ASCENDING)]
        cursor = self.coll.find(query).sort(order).skip(skip).limit(limit)
        items = [BanReason.from_doc(d) for d in await cursor.to_list()]
        return items, await self.coll.count_documents(query)

    async def get(self, workspace_id: str, reason_id: str) -> BanReason | None:
        doc = await self.coll.find_one({"_id": reason_id, "workspace_id": workspace_id})
        return None if doc is None else BanReason.from_doc(doc)

    async def update(self, workspace_id: str, reason_id: str, changes: Mapping[str, Any]) -> BanReason | None:
        """Set ``changes``; ``None`` when the workspace has no such reason; raises :class:`Taken`."""
        keys = {"name_key": fold(changes["name"])} if "name" in changes else {}
        try:
            doc = await self.coll.find_one_and_update(
                {"_id": reason_id, "workspace_id": workspace_id},
                {"$set": {**changes, **keys}},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise Taken(changes.get("name")) from exc
        return None if doc is None else BanReason.from_doc(doc)

    async def delete(self, workspace_id: str, reason_id: str) -> bool:
        result = await self.coll.delete_one({"_id": reason_id, "workspace_id": workspace_id})
        return result.deleted_count == 1

    async def any_in(self, workspace_id: str, teamspace_id: str, session: Session | None = None) -> bool:
        """Whether the teamspace has a ban reason at all."""
        doc = await self.coll.find_one(
            {"workspace_id": workspace_id, "teamspace_id": teamspace_id}, {"_id": 1}, session=session
        )
        return doc is not None

    async def in_teamspace(
        self, workspace_id: str, teamspace_id: str, reason_id: str, session: Session | None = None
    ) -> BanReason | None:
        doc = await self.coll.find_one(
            {"_id": reason_id, "workspace_id": workspace_id, "teamspace_id": teamspace_id}, session=session
        )
        return None if doc is None else BanReason.from_doc(doc)


class BanRuleRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[RULES]
        mongo.declare_indexes(
            RULES,
            [
                IndexModel(
                    [("workspace_id", ASCENDING), ("teamspace_id", ASCENDING), ("offences", ASCENDING)],
                    unique=True,
                )
            ],
        )

    async def add(self, rule: BanRule) -> None:
        """Store a new rule; raises :class:`Taken` when the teamspace has one for that offence count."""
        try:
            await self.coll.insert_one(rule.to_doc())
        except DuplicateKeyError as exc:
            raise Taken(rule.offences) from exc

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[BanRule], int]:
        """The rules by teamspace and offence count, and how many there are in all."""
        query = _teamspace_query(workspace_id, teamspace_id)
        order = [("teamspace_id", ASCENDING), ("offences", ASCENDING)]
        cursor = self.coll.find(query).sort(order).skip(skip).limit(limit)
        items = [BanRule.from_doc(d) for d in await cursor.to_list()]
        return items, await self.coll.count_documents(query)

    async def get(self, workspace_id: str, rule_id: str) -> BanRule | None:
        doc = await self.coll.find_one({"_id": rule_id, "workspace_id": workspace_id})
        return None if doc is None else BanRule.from_doc(doc)

    async def update(self, workspace_id: str, rule_id: str, changes: Mapping[str, Any]) -> BanRule | None:
        """Set ``changes``; ``None`` when the workspace has no such rule; raises :class:`Taken`."""
        try:
            doc = await self.coll.find_one_and_update(
                {"_id": rule_id, "workspace_id": workspace_id},
                {"$set": dict(changes)},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise Taken(changes.get("offences")) from exc
        return None if doc is None else BanRule.from_doc(doc)

    async def delete(self, workspace_id: str, rule_id: str) -> bool:
        result = await self.coll.delete_one({"_id": rule_id, "workspace_id": workspace_id})
        return result.deleted_count == 1

    async def of_teamspace(
        self, workspace_id: str, teamspace_id: str, session: Session | None = None
    ) -> list[BanRule]:
        """The teamspace's rules, by offence count."""
        cursor = (
            self.coll.find({"workspace_id": workspace_id, "teamspace_id": teamspace_id}, session=session)
            .sort([("offences", ASCENDING)])
            .limit(MOST_RULES)
        )
        return [BanRule.from_doc(d) for d in await cursor.to_list()]


class BanRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[BANS]
        mongo.declare_indexes(
            BANS,
            [
                # One current ban per person: two bans made at once meet here, and one runs again.
                IndexModel(
                    [("workspace_id", ASCENDING), ("person_id", ASCENDING)],
                    unique=True,
                    name="one_current_ban",
                    partialFilterExpression={"current": True},
                ),
                IndexModel([("workspace_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
                IndexModel(
                    [
                        ("workspace_id", ASCENDING),
                        ("person_id", ASCENDING),
                        ("created_at", DESCENDING),
                        ("_id", DESCENDING),
                    ]
                ),
            ],
        )

    async def get(self, workspace_id: str, ban_id: str, session: Session | None = None) -> Ban | None:
        doc = await self.coll.find_one({"_id": ban_id, "workspace_id": workspace_id}, session=session)
        return None if doc is None else Ban.from_doc(doc)

    async def current(self, workspace_id: str, person_id: str, session: Session | None = None) -> Ban | None:
        """The person's current ban (active or expired), if any."""
        doc = await self.coll.find_one(
            {"workspace_id": workspace_id, "person_id": person_id, "current": True}, session=session
        )
        return None if doc is None else Ban.from_doc(doc)

    async def count(self, workspace_id: str, person_id: str, session: Session | None = None) -> int:
        """How many bans the person has had."""
        return await self.coll.count_documents(
            {"workspace_id": workspace_id, "person_id": person_id}, session=session
        )

    async def insert(self, ban: Ban, session: Session) -> None:
        """Store a new ban; raises :class:`RaceLost` when a concurrent ban of the person was stored
        first (the work runs again and overrides it)."""
        try:
            await self.coll.insert_one(ban.to_doc(), session=session)
        except DuplicateKeyError as exc:
            raise RaceLost from exc

    async def replace(self, ban: Ban, session: Session) -> None:
        await self.coll.replace_one(
            {"_id": ban.id, "workspace_id": ban.workspace_id}, ban.to_doc(), session=session
        )

    async def page(
        self,
        workspace_id: str,
        person_id: str | None,
        active: bool | None,
        at: datetime,
        skip: int,
        limit: int,
    ) -> tuple[list[Ban], int]:
        """The workspace's bans (of one person, when named; active or not at ``at``, when asked),
        newest first, and how many there are in all."""
        query: Doc = {"workspace_id": workspace_id}
        if person_id is not None:
            query["person_id"] = person_id
        if active is True:
            query |= {"ended_at": None, "$or": [{"until": None}, {"until": {"$gt": at}}]}
        elif active is False:
            query["$or"] = [{"ended_at": {"$ne": None}}, {"until": {"$lte": at}}]
        cursor = self.coll.find(query).sort(NEWEST_FIRST).skip(skip).limit(limit)
        items = [Ban.from_doc(d) for d in await cursor.to_list()]
        return items, await self.coll.count_documents(query)


class BanAuditRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[AUDIT]
        mongo.declare_indexes(
            AUDIT,
            [
                IndexModel([("workspace_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]),
                IndexModel(
                    [
                        ("workspace_id", ASCENDING),
                        ("person_id", ASCENDING),
                        ("at", DESCENDING),
                        ("_id", DESCENDING),
                    ]
                ),
            ],
        )

    async def append(self, entry: AuditEntry, session: Session) -> None:
        await self.coll.insert_one(entry.to_doc(), session=session)

    async def page(
        self, workspace_id: str, person_id: str | None, skip: int, limit: int
    ) -> tuple[list[AuditEntry], int]:
        """The workspace's entries (of one person, when named), newest first, and how many in all."""
        query: Doc = {"workspace_id": workspace_id}
        if person_id is not None:
            query["person_id"] = person_id
        order = [("at", DESCENDING), ("_id", DESCENDING)]
        cursor = self.coll.find(query).sort(order).skip(skip).limit(limit)
        items = [AuditEntry.from_doc(d) for d in await cursor.to_list()]
        return items, await self.coll.count_documents(query)


class BannedPersonRepository:
    """The person to ban, read from the ``people`` collection (the inbound feature writes it), and
    the teamspace of their newest chat a user may see."""

    def __init__(self, mongo: Mongo) -> None:
        self.people = people_of(mongo)
        self.chats = chats_of(mongo)  # a person's chats: index "person_chats" (inbox.core.store)

    async def person(
        self, workspace_id: str, person_id: str, session: Session | None = None
    ) -> Person | None:
        return await person_in(self.people, workspace_id, person_id, session)

    async def visible_teamspace(
        self, user: Principal, person_id: str, session: Session | None = None
    ) -> str | None:
        """The teamspace of the person's newest chat the user may see (an admin: any chat of the
        workspace); ``None`` when they may see none."""
        query = {**visibility_query(user), "person_id": person_id}
        doc = await self.chats.find_one(
            query, {"teamspace_id": 1}, sort=[("created_at", DESCENDING)], session=session
        )
        return None if doc is None else str(doc["teamspace_id"])
