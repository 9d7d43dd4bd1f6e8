"""``python -m bench.pipeline``: the message path end to end, through the public API only.

Starts a stack of its own (the embedded MongoDB server and every service as processes, with names
unique to the run, as the end-to-end tests do) or uses a running one (``--url-*``), then, in one run:

1. measures the raw baselines on the same broker and database server: one RabbitMQ quorum-queue hop
   (persistent messages, publisher confirms in flight, a consumer acking) and ``insert_one`` with
   32 concurrent clients;
2. starts webchat visitors (``POST /v1/webchat/{app}/sessions``) and one agent socket
   (``WS /v1/stream`` with the admin token), warms every visitor's chat up with one message;
3. offers the load — a fixed rate (``--rate``, open loop) or as fast as accepted (``--max``) —
   through ``POST /v1/webchat/{app}/messages`` and matches every ``message.created`` frame on the
   agent's socket to the 202 that accepted it (a unique tag in each text);
4. prints the offered, accepted (202/s) and end-to-end (frames/s) rates, p50/p99/max latency from
   the 202 to the frame, CPU ms per message of each service process, the database and the broker
   (from /proc), MongoDB commands and bus messages per message (from every service's /metrics).

``--decay N`` runs the measured load, pushes N more messages (not measured), and runs it again:
"no decay" reads as the second run being at least 80% as fast as the first.

Everything it starts it stops (also on Ctrl-C), and it removes its exchanges and queues.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from . import baselines
from .helpers import is_local
from .load import MAX_MESSAGES, MAX_SECONDS, AgentSocket, figures, run_load, start_visitors
from .probe import cost_between, settle, snapshot
from .report import baseline_text, idle_text, per_message, run_record, run_text, short_text, summary_text
from .stack import Stack, attach, bootstrap, start_own

ROOT = Path(__file__).resolve().parents[2]


def say(text: str = "") -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""examples:
  uv run --frozen python -m bench.pipeline --max --messages 3000
  uv run --frozen python -m bench.pipeline --rate 60 --messages 2000
  uv run --frozen python -m bench.pipeline --max --inbox-replicas 2
  uv run --frozen python -m bench.pipeline --max --decay 20000 --json decay.json
  # against a running stack (./scripts/run): its rate limits apply, so raise them there
  uv run --frozen python -m bench.pipeline --max --url-ingest http://127.0.0.1:8081 \\
      --url-inbox http://127.0.0.1:8082 --url-assignment http://127.0.0.1:8083 \\
      --url-export http://127.0.0.1:8084 --url-aiagent http://127.0.0.1:8085 \\
      --mongodb-url 'mongodb://127.0.0.1:27017/?retryWrites=false' --token $TOKEN --app-id $APP_ID

reading it: "accepted" is what the edge took (202/s); "end-to-end" is frames on the agent's
socket per second, from the first send to the last frame. When accepted > end-to-end, the
backlog grows and latency with it: the sustained rate is the end-to-end one. CPU and commands
are per accepted message, over the whole run (until the bus is quiet again).""",
    )
    load = parser.add_argument_group("load")
    how = load.add_mutually_exclusive_group()
    how.add_argument("--max", action="store_true", help="as fast as accepted (the default)")
    how.add_argument("--rate", type=float, metavar="R", help="offer R messages/s (open loop)")
    load.add_argument("--messages", type=int, metavar="N", help="messages per measured run (default 3000)")
    load.add_argument("--seconds", type=float, metavar="S", help="or: offer the load for S seconds")
    load.add_argument("--visitors", type=int, default=50, help="webchat visitors (default 50)")
    load.add_argument(
        "--concurrency", type=int, default=64, help="requests in flight at most (default 64; the pool)"
    )
    load.add_argument(
        "--decay",
        type=int,
        metavar="N",
        help="run, push N more messages at max rate (not measured), run again, compare",
    )
    load.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the one message per visitor (creating each chat) sent before measuring",
    )
    load.add_argument(
        "--idle-timeout",
        type=float,
        default=60.0,
        help="give up waiting for frames after this many seconds without a new one (default 60)",
    )
    load.add_argument(
        "--wait-timeout",
        type=float,
        default=1800.0,
        help="give up waiting for a run's frames after this many seconds in all (default 1800)",
    )

    base = parser.add_argument_group("baselines")
    base.add_argument("--no-baselines", action="store_true", help="skip the raw broker and database rates")
    base.add_argument("--hop-messages", type=int, default=5000, help="raw RabbitMQ hop: messages (5000)")
    base.add_argument("--hop-in-flight", type=int, default=256, help="raw hop: confirms in flight (256)")
    base.add_argument("--insert-count", type=int, default=3000, help="raw database inserts (3000)")
    base.add_argument("--insert-clients", type=int, default=32, help="concurrent inserting clients (32)")

    own = parser.add_argument_group("the stack the bench starts")
    own.add_argument("--inbox-replicas", type=int, default=1, help="inbox processes (default 1; try 2)")
    own.add_argument(
        "--rate-limits",
        choices=("high", "off"),
        default="high",
        help="LIVECHAT_RATE_*: 'high' = far above the load but still checked, as in production "
        "(default); 'off' = 0, disabled (no check, no database round trip)",
    )
    own.add_argument("--log-level", default="INFO", help="LIVECHAT_LOG_LEVEL of the services (INFO)")
    own.add_argument("--data-dir", type=Path, help="keep the database and logs here (default: a temp dir)")
    own.add_argument("--keep-data", action="store_true", help="do not remove the temp dir at the end")

    ext = parser.add_argument_group(
        "a running stack instead (every address must be 127.0.0.1)",
        "Each flag also reads LIVECHAT_BENCH_<FLAG> (e.g. LIVECHAT_BENCH_URL_INGEST). The services'\n"
        "processes are found by the ports they listen on (for CPU); without --token and --app-id the\n"
        "bench runs `livechat bootstrap` with this environment (LIVECHAT_OPERATOR_KEY, ...).",
    )
    ext.add_argument(
        "--url-ingest", default=os.environ.get("LIVECHAT_BENCH_URL_INGEST"), help="the edge (required)"
    )
    ext.add_argument(
        "--url-inbox",
        action="append",
        help="required; repeat for each inbox replica (the agent socket uses the first)",
    )
    for name in ("assignment", "export", "aiagent"):
        ext.add_argument(
            f"--url-{name}",
            default=os.environ.get(f"LIVECHAT_BENCH_URL_{name.upper()}"),
            help=f"the {name} service (optional: its /metrics and CPU are then counted)",
        )
    parser.add_argument(
        "--ai",
        action="store_true",
        help="leave the app's AI agent on (it answers or hands off every message; off by default)",
    )
    ext.add_argument("--app-id", default=os.environ.get("LIVECHAT_BENCH_APP_ID"), help="a webchat app")
    ext.add_argument("--token", default=os.environ.get("LIVECHAT_BENCH_TOKEN"), help="its admin's token")
    parser.add_argument(
        "--amqp-url",
        default=os.environ.get("LIVECHAT_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        help="RabbitMQ (default $LIVECHAT_AMQP_URL or the local one)",
    )
    parser.add_argument(
        "--mongodb-url",
        help="use this database server instead of starting the embedded one (also: the baseline's target)",
    )
    parser.add_argument("--workspace", default="Bench", help="name for `livechat bootstrap` (Bench)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every number to FILE")
    args = parser.parse_args(argv)

    if args.url_inbox is None and os.environ.get("LIVECHAT_BENCH_URL_INBOX"):
        args.url_inbox = [os.environ["LIVECHAT_BENCH_URL_INBOX"]]
    if args.rate is not None and not 0 < args.rate <= 100_000:
        parser.error("--rate must be in (0, 100000]")
    if args.messages is None and args.seconds is None:
        args.messages = 3000
    if args.messages is not None and not 1 <= args.messages <= MAX_MESSAGES:
        parser.error(f"--messages must be in [1, {MAX_MESSAGES}]")
    if args.seconds is not None and not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS:.0f}]")
    if args.decay is not None and not 1 <= args.decay <= MAX_MESSAGES:
        parser.error(f"--decay must be in [1, {MAX_MESSAGES}]")
    if not 1 <= args.visitors <= 10_000 or not 1 <= args.concurrency <= 1024:
        parser.error("--visitors must be in [1, 10000] and --concurrency in [1, 1024]")
    if not 1 <= args.inbox_replicas <= 8:
        parser.error("--inbox-replicas must be in [1, 8]")
    external = bool(args.url_ingest or args.url_inbox)
    if external and not (args.url_ingest and args.url_inbox):
        parser.error("a running stack needs at least --url-ingest and --url-inbox")
    if external and args.inbox_replicas != 1:
        parser.error("with a running stack, give each inbox replica as --url-inbox instead")
    urls = [args.amqp_url, args.mongodb_url, args.url_ingest, args.url_assignment, args.url_export]
    urls += [args.url_aiagent, *(args.url_inbox or [])]
    for url in filter(None, urls):
        if not is_local(url):
            parser.error(f"the bench only targets this machine (127.0.0.1): {url}")
    args.external = external
    return args


def run_header(name: str, argv: list[str] | None, say: Any) -> dict[str, Any]:
    """The start of a bench's report: when, on which machine, from which tree; said as it starts."""
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "source": source(),
        "argv": sys.argv[1:] if argv is None else argv,
    }
    say(
        f"{name}  {report['started_at']}  on {report['machine']['cpus']} CPUs "
        f"({report['machine']['cpu_model']}), load average {report['machine']['load_average']}"
    )
    say(f"tree: commit {report['source']['commit']} with {report['source']['modified_files']} modified files")
    return report


def data_dir_for(given: Path | None) -> tuple[Path, bool]:
    """Where a bench keeps the database and logs, and whether it is a temp dir to delete at the end."""
    data_dir = Path(tempfile.mkdtemp(prefix="livechat-bench-")) if given is None else given.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir, given is None


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, IndexError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def source() -> dict[str, Any]:
    """Which tree was measured (read-only git commands; ``--no-optional-locks`` writes no index)."""

    def git(*args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                ["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True, timeout=20
            )
            return out.stdout.strip()
        return ""

    changed = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": git("rev-parse", "--short", "HEAD"), "modified_files": len(changed.splitlines())}


async def measured(
    title: str,
    label: str,
    *,
    args: argparse.Namespace,
    stack: Stack,
    http: aiohttp.ClientSession,
    probe_http: httpx.AsyncClient,
    agent: AgentSocket,
    visitors: list[Any],
    app_id: str,
    run_id: str,
    messages: int | None,
    seconds: float | None,
    rate: float | None,
    brief: bool = False,
) -> dict[str, Any]:
    say(f"\n{title} ...")
    before = await snapshot(probe_http, stack)
    result = await run_load(
        http,
        agent,
        ingest_url=stack.ingest_url,
        app_id=app_id,
        visitors=visitors,
        run_id=run_id,
        label=label,
        messages=messages,
        seconds=seconds,
        rate=rate,
        concurrency=args.concurrency,
        idle_timeout=args.idle_timeout,
        wait_cap=args.wait_timeout,
        say=say,
    )
    if not result.all_delivered:
        say(f"  ! not every frame arrived (socket: {agent.closed or 'open'}); figures count what did")
    settled = await settle(probe_http, stack)
    after = await snapshot(probe_http, stack)
    figs = figures(result, agent)
    cost = cost_between(before, after)
    unit = per_message(cost, figs)
    say(short_text(title, figs) if brief else run_text(title, figs, cost, unit, settled))
    return run_record(title, figs, cost, unit, settled)


async def ai_agent(http: httpx.AsyncClient, stack: Stack, app_id: str, token: str, *, enabled: bool) -> None:
    """Turn the app's AI agent on or off (off by default: the bench measures the message path; with
    ``--ai`` every message is also answered, or handed off, by the AI agent)."""
    url = next((m.url for m in stack.services if m.name == "aiagent" and m.url), None)
    if url is None:
        return
    answer = await http.put(
        f"{url}/v1/apps/{app_id}/bot", headers={"Authorization": f"Bearer {token}"}, json={"enabled": enabled}
    )
    if answer.status_code != 200:
        raise RuntimeError(f"configuring the app's AI agent answered {answer.status_code}: {answer.text}")
    say(f"the app's AI agent is {'on' if enabled else 'off'}")


async def bench(
    args: argparse.Namespace, stack: Stack, workspace: dict[str, Any], report: dict[str, Any]
) -> None:
    app_id, token = workspace["app_id"], workspace["token"]
    run_id = os.urandom(3).hex()
    # The load's requests go through aiohttp (about a third of httpx's CPU per request: the load
    # generator shares the cores with the stack). Keep-alive connections expire before the server's
    # 5 s (uvicorn's default), so a request never goes out on a connection the server is closing.
    connector = aiohttp.TCPConnector(limit=args.concurrency, keepalive_timeout=2.0)
    async with (
        aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as load_http,
        httpx.AsyncClient(timeout=10) as http,
        httpx.AsyncClient(timeout=10) as probe_http,
    ):
        if not args.no_baselines:
            items = [
                await baselines.amqp_hop(
                    stack.amqp_url,
                    f"{stack.queue_prefix}bench.hop",
                    count=args.hop_messages,
                    in_flight=args.hop_in_flight,
                )
            ]
            if stack.mongo_url:
                items.append(
                    await baselines.database_inserts(
                        stack.mongo_url,
                        f"{stack.database_prefix}_bench",
                        count=args.insert_count,
                        clients=args.insert_clients,
                    )
                )
            report["baselines"] = [b.as_dict() for b in items]
            say("\n" + baseline_text(items))

        await ai_agent(http, stack, app_id, token, enabled=args.ai)
        visitors = await start_visitors(http, stack.ingest_url, app_id, args.visitors)
        ws_url = stack.inbox_urls[0].replace("http://", "ws://") + f"/v1/stream?token={token}"
        async with AgentSocket(ws_url) as agent:
            before = await snapshot(probe_http, stack)
            await asyncio.sleep(3)
            idle = cost_between(before, await snapshot(probe_http, stack))
            report["idle"] = {"seconds": idle.seconds, "cpu_ms": idle.cpu_ms, "commands": idle.commands}
            say("\n" + idle_text(idle))

            common: dict[str, Any] = {
                "args": args,
                "stack": stack,
                "http": load_http,
                "probe_http": probe_http,
                "agent": agent,
                "visitors": visitors,
                "app_id": app_id,
                "run_id": run_id,
            }
            if not args.no_warmup:
                warm = await measured(
                    f"warm-up: one message per visitor ({len(visitors)}), not measured",
                    "warmup",
                    messages=len(visitors),
                    seconds=None,
                    rate=None,
                    brief=True,
                    **common,
                )
                report["warmup"] = warm
                if warm["figures"]["missing"]:
                    raise RuntimeError("the warm-up's messages did not all reach the agent's socket")

            replicas = len(stack.inbox_urls)
            shape = f"{args.messages} messages" if args.messages is not None else f"{args.seconds:g} s"
            offered = f"rate {args.rate:g}/s" if args.rate else "max"
            runs = report.setdefault("runs", [])
            title = f"{offered}, {shape}, {replicas} inbox replica{'s' if replicas > 1 else ''}"
            runs.append(
                await measured(
                    f"run 1: {title}" if args.decay else f"run: {title}",
                    "run1",
                    messages=args.messages,
                    seconds=args.seconds,
                    rate=args.rate,
                    **common,
                )
            )
            if args.decay:
                push = await measured(
                    f"decay push: {args.decay} more messages at max rate (not part of the comparison)",
                    "push",
                    messages=args.decay,
                    seconds=None,
                    rate=None,
                    **common,
                )
                report["decay_push"] = push
                if not args.no_baselines and stack.mongo_url:
                    again = await baselines.database_inserts(
                        stack.mongo_url,
                        f"{stack.database_prefix}_bench",
                        count=args.insert_count,
                        clients=args.insert_clients,
                    )
                    report["baseline_after_push"] = again.as_dict()
                    say(f"\nraw database insert_one after the push: {again.rate:,.0f}/s ({again.detail})")
                runs.append(
                    await measured(
                        f"run 2 (after {args.decay} more messages): {title}",
                        "run2",
                        messages=args.messages,
                        seconds=args.seconds,
                        rate=args.rate,
                        **common,
                    )
                )
                first, second = runs[0]["figures"], runs[1]["figures"]
                ratio = second["e2e_rate"] / first["e2e_rate"] if first["e2e_rate"] else 0.0
                accepted = second["accepted_rate"] / first["accepted_rate"] if first["accepted_rate"] else 0.0
                report["decay"] = {"messages": args.decay, "e2e_ratio": ratio, "accepted_ratio": accepted}
                verdict = "no decay (>= 0.80)" if ratio >= 0.8 else "DECAY (< 0.80)"
                say(
                    f"\n== decay ==\nend-to-end after/before: {ratio:.2f}  -> {verdict}; "
                    f"accepted after/before: {accepted:.2f}"
                )
            say("\n" + summary_text(runs + ([report["decay_push"]] if "decay_push" in report else [])))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    report = run_header("bench.pipeline", argv, say)
    data_dir, temp = data_dir_for(args.data_dir)
    ok = False
    try:
        with contextlib.ExitStack() as exits:
            if args.external:
                urls = {"ingest": [args.url_ingest], "inbox": list(args.url_inbox)}
                for name in ("assignment", "export", "aiagent"):
                    if getattr(args, f"url_{name}"):
                        urls[name] = [getattr(args, f"url_{name}")]
                stack = attach(amqp_url=args.amqp_url, mongo_url=args.mongodb_url, urls=urls)
            else:
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
            report["stack"] = {
                "own": stack.own,
                "mongodb_url": stack.mongo_url,
                "processes": {m.name: {"pid": m.pid, "url": m.url} for m in stack.members()},
                "rate_limits": args.rate_limits if stack.own else "the running stack's",
                "queue_prefix": stack.queue_prefix,
                "data_dir": str(data_dir) if stack.own else None,
            }
            say("processes: " + ", ".join(f"{m.name} (pid {m.pid})" for m in stack.members()))
            if args.app_id and args.token:
                workspace = {"app_id": args.app_id, "token": args.token}
            else:
                say(f"livechat bootstrap --workspace {args.workspace} ...")
                workspace = bootstrap(stack, args.workspace)
            began = time.perf_counter()
            asyncio.run(bench(args, stack, workspace, report))
            report["seconds"] = time.perf_counter() - began
            if stack.own:
                say("\nstopping the stack and removing its topology ...")
        ok = True
    except KeyboardInterrupt:
        say("\ninterrupted: the stack was stopped and its topology removed")
        return 130
    finally:
        if args.json:
            report["complete"] = ok
            args.json.write_text(json.dumps(report, indent=2, default=str))
            say(f"numbers written to {args.json}")
        if temp and ok and not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif not ok or not temp or args.keep_data:
            say(f"data and logs kept in {data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
