"""Where a workspace's interactions are counted from: the stored messages (index: workspace, time)
and the counts of the messages erased with their chats (``erased_interactions``: one document per
workspace, UTC hour and author type, ``n`` the messages of that hour, unique on those three).

The erased counts are written by the deletion of a chat, in its transaction, just before its
messages go (:meth:`InteractionCounts.keep_erased`); the message path writes nothing here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from livechat_shared.mongo import Mongo
from livechat_shared.writer import RaceLost
from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from ..core.store import MESSAGES, messages_of
from .schemas import PeriodCount

ERASED = "erased_interactions"
ERASED_BY_HOUR = "erased_interactions_by_hour"
"""The unique key of the erased counts (workspace, hour, author): what a deletion's upserts meet
on, and the index a window of a workspace's hours is read by."""
DUPLICATE_KEY = 11000

Pipeline = list[dict[str, Any]]


class InteractionCounts:
    def __init__(self, mongo: Mongo) -> None:
        self.messages = messages_of(mongo)
        self.erased_counts = mongo.db[ERASED]
        by_time = IndexModel([("workspace_id", ASCENDING), ("created_at", ASCENDING)])
        mongo.declare_indexes(MESSAGES, [by_time])
        by_hour = IndexModel(
            [("workspace_id", ASCENDING), ("hour", ASCENDING), ("author", ASCENDING)],
            unique=True,
            name=ERASED_BY_HOUR,
        )
        mongo.declare_indexes(ERASED, [by_hour])

    async def stored(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]:
        """Stored messages of ``authors`` from ``start`` to ``end`` (excluded), per period
        (``date_format`` of the time) and author type: exact to the instant."""
        match = {
            "workspace_id": workspace_id,
            "created_at": {"$gte": start, "$lt": end},
            "author.type": {"$in": list(authors)},
        }
        return await _per_period(self.messages, match, date_format, "$created_at", "$author.type", 1)

    async def erased(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]:
        """Erased messages of ``authors`` whose hour starts from ``start`` to ``end`` (excluded),
        per period (``date_format`` of the hour) and author type. An hour lies in one UTC day and
        month, so each hour's count goes to one period whole."""
        match = {
            "workspace_id": workspace_id,
            "hour": {"$gte": start, "$lt": end},
            "author": {"$in": list(authors)},
        }
        return await _per_period(self.erased_counts, match, date_format, "$hour", "$author", "$n")

    async def keep_erased(self, chat_id: str, authors: Sequence[str], session: AsyncClientSession) -> int:
        """Add the chat's stored messages of ``authors`` to the erased counts, per workspace, UTC
        hour of ``created_at`` and author type, in the caller's transaction (the one erasing them,
        next); how many were added. Two commands: the aggregate (over the chat's index) and one
        bulk of upserts, none when the chat has no such message. Raises ``RaceLost`` when a
        concurrent transaction created one of the same counts first: the writer runs the deletion
        again, which then finds it."""
        pipeline: Pipeline = [
            {"$match": {"chat_id": chat_id, "author.type": {"$in": list(authors)}}},
            {
                "$group": {
                    "_id": {
                        "workspace_id": "$workspace_id",
                        "hour": {"$dateTrunc": {"date": "$created_at", "unit": "hour"}},
                        "author": "$author.type",
                    },
                    "n": {"$sum": 1},
                }
            },
        ]
        counts = [
            (dict(row["_id"]), int(row["n"]))
            async for row in await self.messages.aggregate(pipeline, session=session)
        ]
        if not counts:
            return 0
        upserts = [UpdateOne(key, {"$inc": {"n": n}}, upsert=True) for key, n in counts]
        try:
            await self.erased_counts.bulk_write(upserts, ordered=False, session=session)
        except BulkWriteError as exc:
            if any(error.get("code") == DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
                raise RaceLost() from exc
            raise
        return sum(n for _, n in counts)


async def _per_period(
    coll: AsyncCollection[dict[str, Any]],
    match: dict[str, Any],
    date_format: str,
    time: str,
    author: str,
    n: int | str,
) -> list[PeriodCount]:
    """``coll``'s documents matching ``match``, ``n`` each, summed per period (``date_format`` of
    ``time``) and ``author``."""
    pipeline: Pipeline = [
        {"$match": match},
        {
            "$group": {
                "_id": {"period": {"$dateToString": {"format": date_format, "date": time}}, "author": author},
                "n": {"$sum": n},
            }
        },
    ]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    async for row in await coll.aggregate(pipeline):
        counts[row["_id"]["period"]][row["_id"]["author"]] = int(row["n"])
    return [
        PeriodCount(
            period=key,
            person=by.get("person", 0),
            ai=by.get("ai", 0),
            agent=by.get("agent", 0),
            total=sum(by.values()),
        )
        for key, by in sorted(counts.items())
    ]
