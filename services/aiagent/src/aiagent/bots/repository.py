"""Storage of the bots' configurations (``bot_configs``, one per workspace and app), the workspaces'
AI settings (``ai_settings``, one per workspace) and the checks of handoff targets against the copy
of the directory.

The configurations and settings are read on every message a person writes in AI mode: each replica
keeps what it read for ``cache_seconds`` (a change through this replica is seen at once)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from livechat_shared.directory import COLLECTION as DIRECTORY_USERS
from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from livechat_shared.writer import RaceLost, Session
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from .schemas import AiSettings, BotConfig

K = TypeVar("K")
V = TypeVar("V")

CACHE_ENTRIES = 10_000


class TtlCache(Generic[K, V]):
    """Values kept ``seconds`` (0: not kept), at most ``CACHE_ENTRIES`` of them."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if self.seconds <= 0:
            return
        if len(self.entries) >= CACHE_ENTRIES:
            self.entries.clear()
        self.entries[key] = (time.monotonic() + self.seconds, value)

    def forget(self, key: K) -> None:
        self.entries.pop(key, None)


def _config(doc: dict[str, Any]) -> BotConfig:
    return BotConfig.model_validate(doc)


class BotConfigRepository:
    def __init__(self, mongo: Mongo, cache_seconds: float = 1.0) -> None:
        self.coll = mongo.db["bot_configs"]
        mongo.declare_indexes(
            "bot_configs", [IndexModel([("workspace_id", ASCENDING), ("app_id", ASCENDING)], unique=True)]
        )
        self.cache: TtlCache[tuple[str, str], BotConfig] = TtlCache(cache_seconds)

    async def get(self, workspace_id: str, app_id: str, session: Session | None = None) -> BotConfig | None:
        doc = await self.coll.find_one({"workspace_id": workspace_id, "app_id": app_id}, session=session)
        return None if doc is None else _config(doc)

    async def current(self, workspace_id: str, app_id: str) -> BotConfig:
        """The app's configuration (its defaults when none is stored), kept ``cache_seconds``."""
        key = (workspace_id, app_id)
        config = self.cache.get(key)
        if config is None:
            config = await self.get(workspace_id, app_id) or BotConfig()
            self.cache.put(key, config)
        return config

    async def put(
        self, workspace_id: str, app_id: str, config: BotConfig, by: str, session: Session
    ) -> BotConfig:
        """Store the configuration (a new version)."""
        fields = config.model_dump(mode="json", exclude={"version", "updated_at"})
        try:
            doc = await self.coll.find_one_and_update(
                {"workspace_id": workspace_id, "app_id": app_id},
                {"$set": {**fields, "updated_at": utcnow(), "updated_by": by}, "$inc": {"version": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
        except DuplicateKeyError as exc:  # a concurrent first PUT of the app created it
            raise RaceLost from exc
        self.cache.forget((workspace_id, app_id))
        return _config(doc)


class AiSettingsRepository:
    def __init__(self, mongo: Mongo, cache_seconds: float = 1.0) -> None:
        self.coll = mongo.db["ai_settings"]
        self.cache: TtlCache[str, AiSettings] = TtlCache(cache_seconds)

    async def get(self, workspace_id: str) -> AiSettings:
        doc = await self.coll.find_one({"_id": workspace_id})
        return AiSettings() if doc is None else AiSettings.model_validate(doc)

    async def current(self, workspace_id: str) -> AiSettings:
        """The workspace's settings, kept ``cache_seconds``."""
        settings = self.cache.get(workspace_id)
        if settings is None:
            settings = await self.get(workspace_id)
            self.cache.put(workspace_id, settings)
        return settings

    async def put(self, workspace_id: str, limit: int | None, session: Session) -> AiSettings:
        doc = await self.coll.find_one_and_update(
            {"_id": workspace_id},
            {"$set": {"monthly_interaction_limit": limit, "updated_at": utcnow()}, "$inc": {"version": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        self.cache.forget(workspace_id)
        return AiSettings.model_validate(doc)


class StaffDirectory:
    """Who a chat can be handed to, from the service's copy of the directory."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[DIRECTORY_USERS]
        mongo.declare_indexes(
            DIRECTORY_USERS, [IndexModel([("workspace_id", ASCENDING), ("team_ids", ASCENDING)])]
        )

    async def unknown_users(self, workspace_id: str, user_ids: Sequence[str]) -> list[str]:
        """The ids that name no active user of the workspace, in the order given."""
        if not user_ids:
            return []
        found = await self.coll.find(
            {"_id": {"$in": list(user_ids)}, "workspace_id": workspace_id, "active": True}, {"_id": 1}
        ).to_list()
        known = {doc["_id"] for doc in found}
        return [u for u in dict.fromkeys(user_ids) if u not in known]

    async def unknown_teams(self, workspace_id: str, team_ids: Sequence[str]) -> list[str]:
        """The teams no active user of the workspace is in (a team nobody is in is unknown here)."""
        unknown = []
        for team_id in dict.fromkeys(team_ids):
            found = await self.coll.find_one(
                {"workspace_id": workspace_id, "team_ids": team_id, "active": True}, {"_id": 1}
            )
            if found is None:
                unknown.append(team_id)
        return unknown
