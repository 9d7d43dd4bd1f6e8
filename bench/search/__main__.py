"""``python -m bench.search``: the chat table's queries on a large workspace — p50/p95 of each kind
of query (no filter, each filter and its ``none``, keyword search, combinations, another sort, a
supervisor's scope) beside the same database's time for a plain ``_id``-ordered page read in the
same run.

It starts the embedded MongoDB server in a temporary directory, seeds a workspace (``--chats``,
``--messages-per-chat``; 100,000 and 10 by default) straight into the inbox's collections with the
inbox's own models and search functions, creates the inbox's indexes, then runs each query
``--repeat`` times through the inbox's own use case (``SearchUseCases.find``: the page and its
total), in this process. The embedded server never uses an index for sorting and fetches every match
before limiting, so its latencies at this scale say little about MongoDB (``--mongo-url`` runs it
against a real one); the query plans are checked by ``tests/integration/test_chat_table_plans.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from inbox.catalog.repository import CatalogRepositories
from inbox.core.store import ChatStore, MessageStore
from inbox.search.repository import ChatTable, SearchIndexStore
from inbox.search.rules import parse_table_query
from inbox.search.use_cases import SearchUseCases
from livechat_dev.devstack import EmbeddedMongo
from livechat_shared.auth import Principal, Role
from livechat_shared.mongo import Mongo
from pymongo import AsyncMongoClient

from bench.pipeline.__main__ import run_header

from .seed import AGENTS, TEAMS, WORKSPACE, Workspace, seed

QUERIES: list[tuple[str, list[tuple[str, str]]]] = [
    ("no filter", []),
    ("status", [("status", "open")]),
    ("mode", [("mode", "live")]),
    ("tag", [("tag", "tag-03")]),
    ("tag none", [("tag", "none")]),
    ("tag group", [("tag_group", "group-1")]),
    ("agent", [("agent", AGENTS[7])]),
    ("agent none", [("agent", "none")]),
    ("team", [("team", TEAMS[2])]),
    ("team none", [("team", "none")]),
    ("csat", [("csat", "5")]),
    ("csat none", [("csat", "none")]),
    ("created range", [("created_from", "2026-06-01"), ("created_to", "2026-06-15")]),
    ("custom field", [("cf.plan", "gold")]),
    ("custom field none", [("cf.plan", "none")]),
    ("keyword", []),  # filled in with a common word of the seeded vocabulary
    ("keyword prefix, rare", []),
    ("status OR status", [("status", "open"), ("status", "pending")]),
    ("status AND team", [("status", "resolved"), ("team", TEAMS[4])]),
    ("keyword AND status", []),
    ("tag AND csat AND cf", [("tag", "tag-05"), ("csat", "4"), ("cf.plan", "silver")]),
    ("sorted by updated_at", [("sort", "updated_at")]),
    ("page 20", [("page", "20")]),
]
SUPERVISOR_QUERIES = [("supervisor: no filter", []), ("supervisor: status", [("status", "open")])]


def say(text: str = "") -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--messages-per-chat", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=10, help="runs of each query (default 10)")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--mongo-url", help="a MongoDB to use instead of the embedded server")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    return parser.parse_args(argv)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


async def timed(run: Any, repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await run()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    database = f"bench_search_{int(time.time())}"
    mongo = Mongo(client=client, db=client[database])
    try:
        ChatStore(mongo), MessageStore(mongo)
        catalog = CatalogRepositories.create(mongo)
        search = SearchUseCases(
            table=ChatTable(mongo), tags=catalog.tags, index=SearchIndexStore(mongo), transactions=mongo
        )
        await mongo.create_indexes()
        workspace = Workspace(args.chats, args.messages_per_chat)
        say(f"seeding {args.chats:,} chats and {args.chats * args.messages_per_chat:,} messages ...")
        started = time.perf_counter()
        await seed(mongo.db, workspace, say)
        seeded = time.perf_counter() - started
        say(f"seeded in {seeded:.0f} s")

        common, rare = workspace.words[0], workspace.words[-1][:3]
        queries = [
            (
                name,
                params
                or {
                    "keyword": [("q", common)],
                    "keyword prefix, rare": [("q", rare)],
                    "keyword AND status": [("q", common), ("status", "resolved")],
                }.get(name, []),
            )
            for name, params in QUERIES
        ]
        admin = Principal(user_id="u-admin", workspace_id=WORKSPACE, role=Role.ADMIN)
        supervisor = Principal(
            user_id="u-sup", workspace_id=WORKSPACE, role=Role.SUPERVISOR, teams=frozenset(TEAMS[:2])
        )
        chats = mongo.db["chats"]
        ids = [d["_id"] for d in await chats.find({}, {"_id": 1}).limit(args.chats).to_list()]

        async def plain_page() -> list[Any]:
            after = ids[len(ids) // 2]
            cursor = chats.find({"_id": {"$gt": after}}).sort("_id", 1).limit(args.page_size)
            return await cursor.to_list()

        baseline, _ = await timed(plain_page, args.repeat)
        rows: list[dict[str, Any]] = []
        say(f"\n{'query':<28} {'p50 ms':>9} {'p95 ms':>9} {'x plain':>8} {'total':>9}")
        base50 = statistics.median(baseline)
        say(f"{'plain _id page read':<28} {base50:>9.1f} {percentile(baseline, 95):>9.1f} {1.0:>8.1f}")
        for user, named in ((admin, queries), (supervisor, SUPERVISOR_QUERIES)):
            for name, params in named:
                items = [*params, ("page_size", str(args.page_size))]
                query = parse_table_query(items)
                times, page = await timed(lambda q=query, u=user: search.find(u, q), args.repeat)
                p50, p95 = statistics.median(times), percentile(times, 95)
                total = f"{page.total}{'' if page.total_exact else '+'}"
                say(f"{name:<28} {p50:>9.1f} {p95:>9.1f} {p50 / base50:>8.1f} {total:>9}")
                rows.append(
                    {
                        "query": name,
                        "params": params,
                        "p50_ms": round(p50, 1),
                        "p95_ms": round(p95, 1),
                        "total": page.total,
                        "total_exact": page.total_exact,
                    }
                )
        return {
            "chats": args.chats,
            "messages": args.chats * args.messages_per_chat,
            "seed_seconds": round(seeded),
            "plain_page_ms": {"p50": round(base50, 2), "p95": round(percentile(baseline, 95), 2)},
            "queries": rows,
        }
    finally:
        await client.drop_database(database)
        await client.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    header = run_header("bench.search", argv, say)
    if args.mongo_url:
        figures = asyncio.run(bench(args, args.mongo_url))
        database = "MongoDB at --mongo-url"
    else:
        with tempfile.TemporaryDirectory(prefix="bench-search-") as data:
            server = EmbeddedMongo(Path(data))
            server.start()
            try:
                figures = asyncio.run(bench(args, server.url))
            finally:
                server.stop()
        database = "the embedded MongoDB-compatible server (SecantusDB), not MongoDB"
    figures["database"] = database
    figures = {**header, **figures}
    say(f"\ndatabase: {database}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
