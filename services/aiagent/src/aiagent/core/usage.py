"""AI interactions: the chats the AI agent answered, counted once per chat per calendar month (UTC).

``ai_interactions`` holds one document per counted chat and month (``<workspace>:<YYYY-MM>:<chat>``),
``ai_usage`` one counter per workspace and month (``<workspace>:<YYYY-MM>``); both change in the
transaction of the answer that counts.
"""

from __future__ import annotations

from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from livechat_shared.writer import Session
from pymongo import ReturnDocument

INTERACTIONS = "ai_interactions"
COUNTERS = "ai_usage"


def _counter_id(workspace_id: str, month: str) -> str:
    return f"{workspace_id}:{month}"


def _interaction_id(workspace_id: str, month: str, chat_id: str) -> str:
    return f"{workspace_id}:{month}:{chat_id}"


class Usage:
    def __init__(self, mongo: Mongo) -> None:
        self.interactions = mongo.db[INTERACTIONS]
        self.counters = mongo.db[COUNTERS]

    async def count(self, workspace_id: str, month: str) -> int:
        """The chats the AI answered in the workspace in ``month``."""
        doc = await self.counters.find_one({"_id": _counter_id(workspace_id, month)})
        return int(doc["count"]) if doc else 0

    async def counted(self, workspace_id: str, month: str, chat_id: str) -> bool:
        """Whether the chat already counts as an interaction of ``month``."""
        found = await self.interactions.find_one({"_id": _interaction_id(workspace_id, month, chat_id)})
        return found is not None

    async def count_chat(self, workspace_id: str, month: str, chat_id: str, session: Session) -> int:
        """Count the chat for ``month`` in the transaction (once: again is a no-op); returns the
        workspace's count for the month afterwards."""
        key = _interaction_id(workspace_id, month, chat_id)
        if await self.interactions.find_one({"_id": key}, session=session) is None:
            await self.interactions.insert_one(
                {
                    "_id": key,
                    "workspace_id": workspace_id,
                    "month": month,
                    "chat_id": chat_id,
                    "at": utcnow(),
                },
                session=session,
            )
            increment = 1
        else:
            increment = 0
        doc = await self.counters.find_one_and_update(
            {"_id": _counter_id(workspace_id, month)},
            {"$inc": {"count": increment}, "$setOnInsert": {"workspace_id": workspace_id, "month": month}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return int(doc["count"])
