"""Storage of outbound delivery: the messages providers took, and the events given up on."""

from __future__ import annotations

from datetime import timedelta

from livechat_shared.mongo import Mongo
from pymongo import IndexModel

from .schemas import DeadLetter, SentMessage


class SentRepository:
    """Messages the providers took, by ``<app_id>:<provider message id>`` (status callbacks) and by our
    message id (a redelivery is not sent again), kept for ``retention`` (a TTL index on ``at``): the
    providers stop reporting on a message well before."""

    def __init__(self, mongo: Mongo, retention: timedelta = timedelta(days=30)) -> None:
        self.coll = mongo.db["outbound_sent"]
        mongo.declare_indexes(
            "outbound_sent",
            [IndexModel("message_id"), IndexModel("at", expireAfterSeconds=int(retention.total_seconds()))],
        )

    async def record(self, sent: list[SentMessage]) -> None:
        """Idempotent: a record written before is written again as it is."""
        for one in sent:
            await self.coll.replace_one({"_id": one.id}, one.to_doc(), upsert=True)

    async def of_message(self, message_id: str) -> SentMessage | None:
        doc = await self.coll.find_one({"message_id": message_id})
        return None if doc is None else SentMessage.from_doc(doc)

    async def get(self, app_id: str, provider_message_id: str) -> SentMessage | None:
        doc = await self.coll.find_one({"_id": SentMessage.key(app_id, provider_message_id)})
        return None if doc is None else SentMessage.from_doc(doc)


class DeadLetterRepository:
    """Outbound events given up on, for an operator to read and publish again (no API shows them)."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["outbound_dead_letters"]

    async def keep(self, letter: DeadLetter) -> None:
        await self.coll.replace_one({"_id": letter.id}, letter.to_doc(), upsert=True)
