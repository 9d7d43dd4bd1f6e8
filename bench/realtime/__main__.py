"""``python -m bench.realtime``: fan-out of one chat's changes to many agent sockets.

Starts a stack of its own (the embedded MongoDB server and every service as processes, with two
inbox replicas by default and names unique to the run, as ``bench.pipeline`` does), bootstraps a
workspace and creates one chat (a webchat person's message). Then it opens N agent sockets
(``WS /v1/stream`` with the admin token), spread evenly over the inbox replicas, waits until every
one is connected, and changes the chat ``--changes`` times one after another
(``PATCH /v1/chats/{id}`` with a new description), each time waiting until every socket has the
``chat.changed`` frame with the change's version (or ``--timeout``) before the next.

It prints, from just before each PATCH is sent: p50/p99/max of every socket's delivery time over all
changes, p50/p99/max of the time until the LAST socket had the frame (per change: the headline
figure), frames missing or duplicated (must be 0), and the inbox processes' CPU per delivered frame
and per change (utime+stime from /proc around the measured changes).

Everything it starts it stops (also on Ctrl-C or an error), and it removes its exchanges and queues.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from bench.pipeline.__main__ import data_dir_for, run_header
from bench.pipeline.helpers import is_local
from bench.pipeline.probe import Cost, cost_between, settle, snapshot
from bench.pipeline.stack import Stack, bootstrap, list_queues, start_own

from .figures import (
    GOAL_SECONDS,
    Change,
    change_rows,
    cpu_figures,
    ms,
    replica_of,
    report_text,
    split,
    summarize,
)
from .sockets import AgentSockets

IDLE_SECONDS = 3.0
QUIET_STDOUT = False
"""With ``--json`` and no file, the JSON alone goes to stdout and the report to stderr."""


def say(text: str = "") -> None:
    print(text, file=sys.stderr if QUIET_STDOUT else sys.stdout, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.realtime",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""examples:
  uv run --frozen python -m bench.realtime                      # 1000 sockets, 2 replicas, 30 changes
  uv run --frozen python -m bench.realtime --sockets 2000 --inbox-replicas 4
  uv run --frozen python -m bench.realtime --json realtime.json

reading it: "LAST socket per change" is the time from just before the PATCH until the last of the
N sockets had the chat.changed frame (goal: p99 <= 200 ms on 2 cores); with 30 changes, its p99
is the worst change (nearest rank). The load generator shares the cores with the stack: its own
CPU is shown beside the inbox's.""",
    )
    load = parser.add_argument_group("load")
    load.add_argument("--sockets", type=int, default=1000, help="agent sockets (default 1000)")
    load.add_argument("--changes", type=int, default=30, help="measured changes of the chat (default 30)")
    load.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="changes made first and not measured (default 2: one per replica's PATCH path)",
    )
    load.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds to wait for a change's frame on every socket (default 10); later = missing",
    )
    load.add_argument(
        "--connect-concurrency", type=int, default=50, help="socket handshakes in flight (default 50)"
    )

    own = parser.add_argument_group("the stack the bench starts")
    own.add_argument("--inbox-replicas", type=int, default=2, help="inbox processes (default 2)")
    own.add_argument(
        "--rate-limits",
        choices=("high", "off"),
        default="high",
        help="LIVECHAT_RATE_*: 'high' = far above the load but still checked (default); 'off' = disabled",
    )
    own.add_argument("--log-level", default="INFO", help="LIVECHAT_LOG_LEVEL of the services (INFO)")
    own.add_argument("--data-dir", type=Path, help="keep the database and logs here (default: a temp dir)")
    own.add_argument("--keep-data", action="store_true", help="do not remove the temp dir at the end")
    parser.add_argument(
        "--amqp-url",
        default=os.environ.get("LIVECHAT_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        help="RabbitMQ (default $LIVECHAT_AMQP_URL or the local one)",
    )
    parser.add_argument("--mongodb-url", help="use this database server instead of starting the embedded one")
    parser.add_argument("--workspace", default="Bench", help="name for `livechat bootstrap` (Bench)")
    parser.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="also write every number to FILE (no FILE: to stdout, the report then goes to stderr)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.sockets <= 10_000:
        parser.error("--sockets must be in [1, 10000]")
    if not 1 <= args.changes <= 10_000 or not 0 <= args.warmup <= 100:
        parser.error("--changes must be in [1, 10000] and --warmup in [0, 100]")
    if not 1 <= args.inbox_replicas <= 8:
        parser.error("--inbox-replicas must be in [1, 8]")
    if not 0 < args.timeout <= 600 or not 1 <= args.connect_concurrency <= 1000:
        parser.error("--timeout must be in (0, 600] and --connect-concurrency in [1, 1000]")
    for url in filter(None, [args.amqp_url, args.mongodb_url]):
        if not is_local(url):
            parser.error(f"the bench only targets this machine (127.0.0.1): {url}")
    return args


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def eventually(what: str, check: Any, within: float = 30.0) -> Any:
    """Poll the async ``check`` until it returns something truthy; fail after ``within`` seconds."""
    deadline = time.perf_counter() + within
    while True:
        value = await check()
        if value:
            return value
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)


async def known_on_every_replica(http: httpx.AsyncClient, urls: list[str], token: str) -> None:
    """Every inbox replica accepts the admin token (its copy of the directory has the user)."""
    for url in urls:

        async def accepted(url: str = url) -> bool:
            return (await http.get(f"{url}/v1/chats", headers=auth(token))).status_code == 200

        await eventually(f"{url} to accept the admin token", accepted)


async def create_chat(http: httpx.AsyncClient, stack: Stack, app_id: str, token: str, name: str) -> str:
    """A person's webchat message creates the chat; its id once the inbox lists it."""
    started = await http.post(f"{stack.ingest_url}/v1/webchat/{app_id}/sessions", json={"name": name})
    if started.status_code != 201:
        raise RuntimeError(f"starting a webchat session answered {started.status_code}: {started.text}")
    session = started.json()["session_token"]
    sent = await http.post(
        f"{stack.ingest_url}/v1/webchat/{app_id}/messages",
        headers=auth(session),
        json={"text": "Hello from the realtime bench", "client_message_id": "realtime-1"},
    )
    if sent.status_code != 202:
        raise RuntimeError(f"the webchat message answered {sent.status_code}: {sent.text}")

    async def listed() -> str | None:
        answer = await http.get(f"{stack.inbox_urls[0]}/v1/chats", headers=auth(token))
        if answer.status_code != 200:
            return None
        for chat in answer.json()["items"]:
            if (chat.get("person") or {}).get("name") == name:
                return str(chat["id"])
        return None

    chat_id: str = await eventually("the chat to appear in GET /v1/chats", listed)
    return chat_id


def rates(cost: Cost) -> dict[str, float | None]:
    """CPU ms per second of each member over an idle window."""
    secs = max(cost.seconds, 1e-9)
    return {k: (v / secs if v is not None else None) for k, v in cost.cpu_ms.items()}


async def bench(
    args: argparse.Namespace, stack: Stack, workspace: dict[str, Any], report: dict[str, Any]
) -> bool:
    app_id, token = workspace["app_id"], workspace["token"]
    run_id = os.urandom(3).hex()
    replicas = len(stack.inbox_urls)
    async with (
        httpx.AsyncClient(timeout=30) as http,
        httpx.AsyncClient(timeout=10) as probe_http,
    ):
        await known_on_every_replica(http, stack.inbox_urls, token)
        chat_id = await create_chat(http, stack, app_id, token, f"Realtime bench {run_id}")
        say(f"chat {chat_id} created; waiting for the bus to be quiet ...")
        await settle(probe_http, stack)

        owners = replica_of(args.sockets, replicas)
        ws_bases = [u.replace("http://", "ws://", 1) for u in stack.inbox_urls]
        urls = [f"{ws_bases[r]}/v1/stream?token={token}" for r in owners]
        say(
            f"opening {args.sockets} agent sockets "
            f"({' + '.join(map(str, split(args.sockets, replicas)))} over {replicas} inbox replicas) ..."
        )
        async with AgentSockets(urls, chat_id) as sockets:
            opened = await sockets.connect_all(
                concurrency=args.connect_concurrency,
                progress=lambda n: say(f"  {n} of {args.sockets} connected"),
            )
            report["connect_seconds"] = opened
            say(f"all {args.sockets} sockets connected in {opened:.1f} s")

            origin = (
                time.perf_counter()
            )  # the warm-up's changes are timed from here, the measured from theirs

            async def change(index: int) -> Change:
                replica = index % replicas
                url = f"{stack.inbox_urls[replica]}/v1/chats/{chat_id}"
                body = {"description": f"realtime bench {run_id}: change {index}"}
                start = time.perf_counter()
                answer = await http.patch(url, json=body, headers=auth(token))
                answered = time.perf_counter()
                if answer.status_code != 200:
                    raise RuntimeError(f"PATCH {url} answered {answer.status_code}: {answer.text}")
                version = int(answer.json()["version"])
                await sockets.wait_for(version, args.timeout)
                return Change(
                    index=index,
                    version=version,
                    replica=replica,
                    patch_seconds=answered - start,
                    delays=sockets.delays(version, start),
                    at=start - origin,
                )

            if args.warmup:
                say(f"warm-up: {args.warmup} changes (not measured) ...")
                warm = [await change(-1 - n) for n in range(args.warmup)]
                missed = sum(c.missing for c in warm)
                if missed:
                    first = next(iter(sockets.closed.values()), "-")
                    raise RuntimeError(
                        f"the warm-up changes missed {missed} frames "
                        f"(sockets closed: {len(sockets.closed)}; the first: {first})"
                    )
                await settle(probe_http, stack)

            before = await snapshot(probe_http, stack)
            await asyncio.sleep(IDLE_SECONDS)
            idle = cost_between(before, await snapshot(probe_http, stack))
            idle_rates = rates(idle)
            report["idle_cpu_ms_per_second"] = idle_rates
            say(
                f"idle background over {idle.seconds:.1f} s, CPU ms/s: "
                + ", ".join(f"{k} {v:.1f}" for k, v in idle_rates.items() if v is not None)
            )

            say(f"\n{args.changes} measured changes, one after another ...")
            before = await snapshot(probe_http, stack)
            origin = time.perf_counter()
            changes: list[Change] = []
            for index in range(args.changes):
                done = await change(index)
                changes.append(done)
                say(
                    f"  change {index + 1:>3} at +{done.at:5.2f} s: v{done.version} "
                    f"via inbox #{done.replica + 1}, PATCH {ms(done.patch_seconds)}, "
                    f"first {ms(done.first)}, last {ms(done.last)}"
                    + (f", MISSING {done.missing}" if done.missing else "")
                )
            settled = await settle(probe_http, stack)
            after = await snapshot(probe_http, stack)
            cost = cost_between(before, after)

            for done in changes:
                done.duplicates = sockets.duplicates[done.version]
                done.late = len(sockets.arrivals.get(done.version, {})) - len(done.delivered)
            summary = summarize(changes, owners)
            cpu = cpu_figures(
                cost.cpu_ms,
                seconds=cost.seconds,
                frames=summary.delivered,
                changes=summary.changes,
                idle_ms_per_second=idle_rates,
                machine_busy_ms=cost.machine_busy_ms,
                machine_total_ms=cost.machine_total_ms,
            )
            say("\n" + report_text(summary, cpu))
            say(f"  (the window includes {settled:.1f} s of waiting, after the last change, for a quiet bus)")
            if sockets.closed:
                first = next(iter(sockets.closed.values()))
                say(f"  ! {len(sockets.closed)} sockets closed; the first: {first}")
            report.update(
                {
                    "chat_id": chat_id,
                    "summary": asdict(summary),
                    "headline": {
                        "last_socket_p99_ms": None
                        if summary.last_socket.p99 is None
                        else summary.last_socket.p99 * 1000,
                        "goal_ms": GOAL_SECONDS * 1000,
                        "goal_met": summary.goal_met,
                        "missing": summary.missing,
                        "duplicates": summary.duplicates,
                    },
                    "cpu": cpu,
                    "totals": asdict(cost),
                    "settle_seconds": settled,
                    "other_frames": dict(sockets.other_frames),
                    "sockets_closed": len(sockets.closed),
                    "changes": change_rows(changes),
                }
            )
            say("\nclosing the sockets ...")
            return summary.ok


def main(argv: list[str] | None = None) -> int:
    global QUIET_STDOUT
    args = parse_args(argv)
    QUIET_STDOUT = args.json == "-"

    def terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    report = run_header("bench.realtime", argv, say)
    data_dir, temp = data_dir_for(args.data_dir)
    ok = finished = False
    prefix: str | None = None
    try:
        with contextlib.ExitStack() as exits:
            stack = start_own(
                exits,
                data_dir=data_dir,
                amqp_url=args.amqp_url,
                mongo_url=args.mongodb_url,
                inbox_replicas=args.inbox_replicas,
                rate_limits=args.rate_limits,
                log_level=args.log_level,
                say=say,
            )
            prefix = stack.queue_prefix
            report["stack"] = {
                "mongodb_url": stack.mongo_url,
                "processes": {m.name: {"pid": m.pid, "url": m.url} for m in stack.members()},
                "rate_limits": args.rate_limits,
                "queue_prefix": stack.queue_prefix,
                "data_dir": str(data_dir),
            }
            say("processes: " + ", ".join(f"{m.name} (pid {m.pid})" for m in stack.members()))
            say(f"exchange and queues of this run: {prefix}*")
            say(f"livechat bootstrap --workspace {args.workspace} ...")
            workspace = bootstrap(stack, args.workspace)
            began = time.perf_counter()
            ok = asyncio.run(bench(args, stack, workspace, report))
            report["seconds"] = time.perf_counter() - began
            say("stopping the stack and removing its topology ...")
        finished = True
    except KeyboardInterrupt:
        say("\ninterrupted: the stack was stopped and its topology removed")
        return 130
    finally:
        if prefix is not None:
            left = [q for q in list_queues() if q.startswith(prefix)]
            say(f"queues left with the prefix {prefix}: {len(left)}")
            report["queues_left"] = left
        report["complete"] = finished
        if args.json == "-":
            print(json.dumps(report, indent=2, default=str), flush=True)
        elif args.json:
            Path(args.json).write_text(json.dumps(report, indent=2, default=str))
            say(f"numbers written to {args.json}")
        if temp and finished and not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            say(f"data and logs kept in {data_dir}")
    if not ok:
        say("FAILED: frames were missing or duplicated")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
