"""``python -m bench.export.child``: one export, run by the export service's own job code in a process
of its own, so that the process's peak memory is the export's.

It asks for the export as the API would (``ExportUseCases.create`` with the workspace admin), lets
``ExportJobs.run_next`` claim and write it (GridFS files, rows recorded, heartbeats), and prints one
JSON to ``--out``: the job's outcome, the seconds it took, the CPU seconds of this process, of the
database server (``--server-pid``) and of the whole machine meanwhile, the process's peak resident
memory (``VmHWM``), and the same read before the export started (the imports and the client).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from export.core.store import ReadModel
from export.exports.repository import ExportFiles, ExportJobRepository, ExportRows
from export.exports.schemas import ExportRequest
from export.exports.use_cases import ExportConfig, ExportJobs, ExportUseCases
from livechat_shared.auth import Principal, Role
from livechat_shared.directory import DirectoryCopy
from livechat_shared.mongo import Mongo
from pymongo import AsyncMongoClient

from bench.export.figures import busy_seconds, cpu_seconds, peak_rss_mb
from bench.export.seed import WORKSPACE

ADMIN = "u-bench-admin"


def peak_mb() -> float:
    return peak_rss_mb(Path("/proc/self/status").read_text())


def machine(server_pid: int) -> tuple[float, float, str]:
    """Now: the wall clock, the database server's CPU seconds, the machine's CPU line."""
    server = cpu_seconds(Path(f"/proc/{server_pid}/stat").read_text())
    return time.perf_counter(), server, Path("/proc/stat").read_text().splitlines()[0]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.export.child", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--mongodb-url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--server-pid", type=int, required=True, help="the database server's process")
    parser.add_argument("--out", type=Path, required=True, help="where the result goes (JSON)")
    parser.add_argument("--format", choices=("csv", "jsonl"), required=True)
    parser.add_argument("--created-from", help="only the chats created at or after this time (ISO)")
    parser.add_argument("--batch-chats", type=int, default=ExportConfig.batch_chats)
    parser.add_argument("--transcript-chats", type=int, default=ExportConfig.transcript_chats)
    parser.add_argument("--transcript-messages", type=int, default=ExportConfig.transcript_messages)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(args.mongodb_url, tz_aware=True)
    mongo = Mongo(client=client, db=client[args.database])
    try:
        config = ExportConfig(
            ttl_seconds=3600,
            lease_seconds=60,
            max_attempts=1,
            max_pending=1000,
            batch_chats=args.batch_chats,
            transcript_chats=args.transcript_chats,
            transcript_messages=args.transcript_messages,
        )
        jobs_repo, files = ExportJobRepository(mongo), ExportFiles(mongo)
        read = ReadModel(mongo)
        jobs = ExportJobs(jobs_repo, files, ExportRows(mongo), read, DirectoryCopy(mongo), config)
        api = ExportUseCases(jobs_repo, files, config)
        admin = Principal(user_id=ADMIN, workspace_id=WORKSPACE, role=Role.ADMIN)
        filters: dict[str, Any] = {"created_from": args.created_from} if args.created_from else {}
        await mongo.ping()
        before = peak_mb()
        request = ExportRequest.model_validate({"format": args.format, "filters": filters})
        created = await api.create(admin, request)
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        started, server, line = machine(args.server_pid)
        ran = await jobs.run_next()
        ended, server_after, line_after = machine(args.server_pid)
        after = resource.getrusage(resource.RUSAGE_SELF)
        job = await jobs_repo.get(WORKSPACE, created.id)
        assert job is not None
        own = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
        return {
            "ran": ran,
            "export_id": job.id,
            "status": job.status,
            "error": job.error,
            "rows": job.rows,
            "file_id": job.file_id,
            "seconds": ended - started,
            "cpu_seconds": own,
            "db_cpu_seconds": server_after - server,
            "machine_busy_seconds": busy_seconds(line, line_after),
            "peak_rss_mb": peak_mb(),
            "rss_before_mb": before,
        }
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    args.out.write_text(json.dumps(result))
    return 0 if result["status"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
