"""Counting the interactions of a workspace from the messages collection (index: workspace, time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel

from ..core.store import MESSAGES, messages_of
from .schemas import PeriodCount


class InteractionCounts:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = messages_of(mongo)
        by_time = IndexModel([("workspace_id", ASCENDING), ("created_at", ASCENDING)])
        mongo.declare_indexes(MESSAGES, [by_time])

    async def per_period(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]:
        """Messages of ``authors`` between ``start`` and ``end``, per period (``date_format`` of the
        time) and author type."""
        pipeline: list[dict[str, Any]] = [
            {
                "$match": {
                    "workspace_id": workspace_id,
                    "created_at": {"$gte": start, "$lt": end},
                    "author.type": {"$in": list(authors)},
                }
            },
            {
                "$group": {
                    "_id": {
                        "period": {"$dateToString": {"format": date_format, "date": "$created_at"}},
                        "author": "$author.type",
                    },
                    "n": {"$sum": 1},
                }
            },
        ]
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        async for row in await self.coll.aggregate(pipeline):
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
