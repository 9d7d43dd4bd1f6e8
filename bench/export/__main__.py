"""``python -m bench.export``: how fast the export service writes a workspace's chats, beside how fast
the same database reads them raw, and how much memory an export takes.

It starts the embedded MongoDB server (SecantusDB) in a temp dir and seeds the export service's read
model directly — ``--chats`` chats with ``--messages-per-chat`` messages each on average, built with
the projection's own functions so the documents are exactly what it stores (``bench/export/seed.py``)
— then, in the same run:

1. reads the ``chats`` collection raw: a plain ``find({})`` with the export's batch size (chats/s);
2. runs a CSV export of every chat with the service's job code (``ExportJobs``: the read model, the
   GridFS file, the rows recorded, the heartbeats) in a child process (``bench/export/child.py``), so
   its peak resident memory is the export's alone;
3. reads the chats raw again (the machine is shared: the ratio is taken to the better of the two);
4. runs a JSONL export of the newest ``--jsonl-chats`` chats (chats/s and messages/s);
5. reads the ``messages`` collection raw (messages/s), unless ``--no-raw-messages``.

Each step reports its seconds and rates, the CPU seconds of the database server, of the process
doing it and of the rest of the machine meanwhile (other work on a shared machine shows there), and
an export's peak memory. The files are then downloaded and counted (rows, chats, messages) against
the seed. The goal: a CSV export at least 70% as fast as the raw read, in under 200 MB.

Everything it starts it stops (also on Ctrl-C or SIGTERM); the temp dir goes unless ``--data-dir``
or ``--keep-data``. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from export.core.store import ReadModel
from export.exports.repository import ExportFiles, ExportJobRepository, ExportRows
from export.exports.use_cases import ExportConfig
from livechat_dev.devstack import EmbeddedMongo
from livechat_shared.directory import DirectoryCopy
from livechat_shared.mongo import Mongo
from pymongo import AsyncMongoClient

from bench.export import seed
from bench.export.figures import (
    Step,
    busy_seconds,
    cpu_seconds,
    csv_totals,
    jsonl_totals,
    report_text,
    verdict,
)
from bench.pipeline.__main__ import ROOT, data_dir_for, run_header

DATABASE = "bench_export"
DATABASE_NAME = "the embedded MongoDB-wire server (SecantusDB), not MongoDB"


def say(text: str = "") -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=100_000, help="chats in the workspace (100,000)")
    parser.add_argument(
        "--messages-per-chat", type=int, default=10, help="messages a chat has on average (10: 1,000,000)"
    )
    parser.add_argument(
        "--jsonl-chats", type=int, default=10_000, help="the newest chats the JSONL export holds (10,000)"
    )
    parser.add_argument("--batch-chats", type=int, default=ExportConfig.batch_chats, help="chats a batch")
    parser.add_argument(
        "--transcript-chats",
        type=int,
        default=ExportConfig.transcript_chats,
        help="chats whose messages one query reads (JSONL)",
    )
    parser.add_argument(
        "--transcript-messages",
        type=int,
        default=ExportConfig.transcript_messages,
        help="messages one such query reads at most",
    )
    parser.add_argument("--no-raw-messages", action="store_true", help="skip the raw read of every message")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON to this file")
    parser.add_argument("--data-dir", type=Path, help="keep the database and the logs here")
    parser.add_argument("--keep-data", action="store_true", help="keep the temp dir")
    return parser.parse_args(argv)


class Machine:
    """Readings of the database server's and the machine's CPU, around a step."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def now(self) -> tuple[float, float, str, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return (
            time.perf_counter(),
            cpu_seconds(Path(f"/proc/{self.server_pid}/stat").read_text()),
            Path("/proc/stat").read_text().splitlines()[0],
            usage.ru_utime + usage.ru_stime,
        )


async def raw_read(mongo: Mongo, machine: Machine, collection: str, batch: int, name: str) -> Step:
    """A plain ``find({})`` of the collection, ``batch`` documents a round trip."""
    cursor = mongo.db[collection].find({}).batch_size(batch)
    started, server, line, own = machine.now()
    count = 0
    while docs := await cursor.to_list(batch):
        count += len(docs)
    ended, server_after, line_after, own_after = machine.now()
    db_cpu, own_cpu = server_after - server, own_after - own
    other = busy_seconds(line, line_after) - db_cpu - own_cpu
    if collection == "messages":
        return Step(name, 0, ended - started, messages=count, db_cpu=db_cpu, own_cpu=own_cpu, other_cpu=other)
    return Step(name, count, ended - started, db_cpu=db_cpu, own_cpu=own_cpu, other_cpu=other)


def export_in_child(
    args: argparse.Namespace,
    mongo_url: str,
    server_pid: int,
    data_dir: Path,
    fmt: str,
    created_from: str | None,
) -> dict[str, Any]:
    """Run one export in a process of its own; its result (see ``bench/export/child.py``)."""
    out = data_dir / f"export-{fmt}.json"
    argv = [
        sys.executable,
        "-m",
        "bench.export.child",
        "--mongodb-url",
        mongo_url,
        "--database",
        DATABASE,
        "--server-pid",
        str(server_pid),
        "--out",
        str(out),
        "--format",
        fmt,
        "--batch-chats",
        str(args.batch_chats),
        "--transcript-chats",
        str(args.transcript_chats),
        "--transcript-messages",
        str(args.transcript_messages),
    ]
    if created_from:
        argv += ["--created-from", created_from]
    with (data_dir / f"export-{fmt}.log").open("ab") as log:
        done = subprocess.run(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=3600, check=False)
    if not out.exists():
        raise RuntimeError(
            f"the {fmt} export's process ended ({done.returncode}) without a result: see {log.name}"
        )
    result: dict[str, Any] = json.loads(out.read_text())
    if result["status"] != "done":
        raise RuntimeError(f"the {fmt} export ended {result['status']}: {result['error']}")
    return result


def export_step(name: str, result: dict[str, Any], messages: int = 0) -> Step:
    own = result["cpu_seconds"]
    return Step(
        name,
        result["rows"],
        result["seconds"],
        messages=messages,
        db_cpu=result["db_cpu_seconds"],
        own_cpu=own,
        other_cpu=result["machine_busy_seconds"] - result["db_cpu_seconds"] - own,
        peak_mb=result["peak_rss_mb"],
        extra={"rss_before_export_mb": round(result["rss_before_mb"], 1), "export_id": result["export_id"]},
    )


async def file_text(mongo: Mongo, file_id: str) -> tuple[bytes, int]:
    """An export file's bytes (for the counts after the measurements) and its stored length."""
    files = ExportFiles(mongo)
    data = bytearray()
    async for chunk in files.chunks(file_id):
        data += chunk
    return bytes(data), len(data)


async def bench(args: argparse.Namespace, mongo_url: str, server_pid: int, data_dir: Path) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    mongo = Mongo(client=client, db=client[DATABASE])
    machine = Machine(server_pid)
    try:
        ReadModel(mongo), ExportJobRepository(mongo), ExportFiles(mongo), ExportRows(mongo)  # their indexes
        directory = DirectoryCopy(mongo)
        for user in seed.directory():
            await directory.apply(user)
        total = args.chats * args.messages_per_chat
        say(f"seeding {args.chats:,} chats and about {total:,} messages (a few minutes) ...")
        began = time.perf_counter()
        seeded = await seed.write(mongo.db, args.chats, args.messages_per_chat, say)
        seeding = time.perf_counter() - began
        say(f"  {seeded.chats:,} chats, {seeded.messages:,} messages in {seeding:,.0f} s; the indexes ...")
        began = time.perf_counter()
        await mongo.create_indexes()
        indexing = time.perf_counter() - began
        say(f"  indexes built in {indexing:,.0f} s")

        steps: dict[str, Step] = {}
        say(f"raw read of the chats (find({{}}), {args.batch_chats} a batch) ...")
        steps["raw"] = await raw_read(mongo, machine, "chats", args.batch_chats, "raw read of chats")
        say("CSV export of every chat (a child process) ...")
        csv_result = export_in_child(args, mongo_url, server_pid, data_dir, "csv", None)
        steps["csv"] = export_step("CSV export", csv_result)
        say("raw read of the chats again ...")
        steps["raw_again"] = await raw_read(
            mongo, machine, "chats", args.batch_chats, "raw read of chats, again"
        )
        created_from = seeded.created_from_for(args.jsonl_chats)
        jsonl_chats, jsonl_messages = seeded.since(created_from)
        say(f"JSONL export of the newest {jsonl_chats:,} chats ({jsonl_messages:,} messages) ...")
        jsonl_result = export_in_child(
            args, mongo_url, server_pid, data_dir, "jsonl", created_from.isoformat()
        )
        steps["jsonl"] = export_step("JSONL export", jsonl_result, messages=jsonl_messages)
        if not args.no_raw_messages:
            say("raw read of every message ...")
            steps["raw_messages"] = await raw_read(
                mongo, machine, "messages", args.batch_chats, "raw read of messages"
            )

        say("counting what the files hold ...")
        csv_bytes, csv_length = await file_text(mongo, csv_result["file_id"])
        held = csv_totals(csv_bytes.decode())
        jsonl_bytes, jsonl_length = await file_text(mongo, jsonl_result["file_id"])
        jsonl_rows, jsonl_held = jsonl_totals(jsonl_bytes.splitlines())
        fields = sorted(h for h in held.header if h.startswith("cf."))
        checks = {
            "csv_rows": (held.rows, seeded.chats),
            "csv_distinct_chats": (held.ids, seeded.chats),
            "csv_messages_total": (held.messages, seeded.messages),
            "csv_custom_field_columns": (fields, sorted(f"cf.{k}" for k in seeded.field_keys)),
            "jsonl_rows": (jsonl_rows, jsonl_chats),
            "jsonl_messages": (jsonl_held, jsonl_messages),
        }
        wrong = {k: {"got": got, "expected": want} for k, (got, want) in checks.items() if got != want}
        steps["csv"].extra["file_bytes"] = csv_length
        steps["jsonl"].extra["file_bytes"] = jsonl_length
        result = verdict(steps["csv"], [steps["raw"].rate, steps["raw_again"].rate])
        return {
            "database": DATABASE_NAME,
            "seed": {
                "chats": seeded.chats,
                "messages": seeded.messages,
                "seconds": round(seeding, 1),
                "index_seconds": round(indexing, 1),
                "jsonl_created_from": created_from.isoformat(),
            },
            "config": {
                "batch_chats": args.batch_chats,
                "transcript_chats": args.transcript_chats,
                "transcript_messages": args.transcript_messages,
            },
            "steps": {k: s.record() for k, s in steps.items()},
            "goal": result,
            "checks_failed": wrong,
            "text": report_text(steps, result, DATABASE_NAME),
        }
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    report = run_header("bench.export", argv, say)
    data_dir, temp = data_dir_for(args.data_dir)
    finished = False
    try:
        with contextlib.ExitStack() as exits:
            mongo = EmbeddedMongo(
                data_dir / "mongo", log=exits.enter_context((data_dir / "mongodb.log").open("ab"))
            )
            exits.callback(mongo.stop)
            say("starting the embedded MongoDB server ...")
            mongo.start()
            assert mongo.proc is not None
            report |= asyncio.run(bench(args, mongo.url, mongo.proc.pid, data_dir))
            say("stopping the database server ...")
        finished = True
    except KeyboardInterrupt:
        say("\ninterrupted: the database server was stopped")
        return 130
    finally:
        report["complete"] = finished
        report["load_average_at_end"] = list(os.getloadavg())
        if args.json:
            args.json.write_text(
                json.dumps({k: v for k, v in report.items() if k != "text"}, indent=2, default=str)
            )
        if temp and finished and not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            say(f"database and logs kept in {data_dir}")
    say("")
    say(report["text"])
    say(f"load average at the end: {', '.join(f'{v:.2f}' for v in report['load_average_at_end'])}")
    if report["checks_failed"]:
        say(f"FAILED: the files do not hold what was seeded: {json.dumps(report['checks_failed'])[:2000]}")
        return 1
    say("the files hold every chat and message seeded")
    if args.json:
        say(f"numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
