"""The stack the bench measures: one it starts itself (the embedded database and every service as
processes, exactly as the end-to-end tests start them) or a running one given by its URLs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
from livechat_dev.devstack import SERVICES, EmbeddedMongo, ServiceProcess, free_port
from livechat_dev.testing import isolated_env, remove_topology, settings_from
from livechat_shared.settings import ServiceSettings

from .helpers import pid_listening_on, url_port

HIGH = "1000000000"
"""A limit no bench reaches (still checked on every request, so its cost is in the figures)."""

RATE_LIMITS = (
    "LIVECHAT_RATE_AUTH_FAILURES_PER_MINUTE",
    "LIVECHAT_RATE_SESSIONS_PER_ADDRESS_PER_MINUTE",
    "LIVECHAT_RATE_SESSIONS_PER_APP_PER_MINUTE",
    "LIVECHAT_RATE_MESSAGES_PER_VISITOR_PER_MINUTE",
    "LIVECHAT_RATE_MESSAGES_PER_APP_PER_MINUTE",
    "LIVECHAT_RATE_SOCKETS_PER_ADDRESS_PER_MINUTE",
)


def rate_limit_env(mode: str) -> dict[str, str]:
    """``high``: every limit far above the bench's load, still checked (as in production);
    ``off``: every limit 0 (disabled: no check, no database round trip)."""
    return {name: ("0" if mode == "off" else HIGH) for name in RATE_LIMITS}


@dataclass
class Member:
    """A process whose CPU the bench reads: a service (with its HTTP address) or the database."""

    name: str
    pid: int | None
    url: str | None = None
    kind: str = "service"


@dataclass
class Stack:
    amqp_url: str
    mongo_url: str | None
    ingest_url: str
    inbox_urls: list[str]
    services: list[Member]
    database: Member | None
    broker: Member | None = None
    """The RabbitMQ process, when it runs on this machine and is visible (shared with anything
    else using that broker, so its CPU is shown apart)."""
    env: dict[str, str] = field(default_factory=dict)
    own: bool = False
    queue_prefix: str = "bench-"
    database_prefix: str = "bench"
    logs: Path | None = None

    def members(self) -> list[Member]:
        return [*self.services, *(m for m in (self.database, self.broker) if m is not None)]


def find_broker(amqp_url: str) -> Member | None:
    pid = pid_listening_on(url_port(amqp_url, 5672))
    return Member("rabbitmq", pid, kind="broker") if pid else None


def _executable(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed in this environment")
    return found


def start_own(
    exits: contextlib.ExitStack,
    *,
    data_dir: Path,
    amqp_url: str,
    mongo_url: str | None,
    inbox_replicas: int,
    rate_limits: str,
    log_level: str,
    say: Any = print,
) -> Stack:
    """Start the embedded database (unless ``mongo_url``) and every service as a process, with this
    run's own exchange, queues and databases; ``exits`` stops them all and removes the topology."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def log(name: str) -> Any:
        handle = (logs / f"{name}.log").open("ab")
        exits.callback(handle.close)
        return handle

    database: Member | None = None
    if mongo_url is None:
        mongo = EmbeddedMongo(data_dir / "mongo", log=log("mongodb"))
        exits.callback(mongo.stop)
        say(f"starting the embedded MongoDB server (data in {data_dir / 'mongo'}) ...")
        mongo.start()
        assert mongo.proc is not None
        mongo_url = mongo.url
        database = Member("mongodb", mongo.proc.pid, kind="database")
    else:
        pid = pid_listening_on(url_port(mongo_url, 27017))
        database = Member("mongodb", pid, kind="database") if pid else None

    env = (
        isolated_env(amqp_url, mongo_url)
        | {"LIVECHAT_LOG_FORMAT": "json", "LIVECHAT_LOG_LEVEL": log_level, "LIVECHAT_PARTITIONS": "0"}
        | rate_limit_env(rate_limits)
    )
    processes: list[tuple[str, ServiceProcess]] = []
    for name in SERVICES:
        processes.append((name, ServiceProcess(name, free_port(), env, log=log(name))))
        if name == "inbox":
            for n in range(2, inbox_replicas + 1):
                label = f"inbox#{n}"
                processes.append((label, ServiceProcess("inbox", free_port(), env, log=log(f"inbox-{n}"))))
    first = {name: svc for name, svc in processes if "#" not in name}
    env |= {f"LIVECHAT_{name.upper()}_URL": svc.url for name, svc in first.items()}

    # Registered first, so it runs last: after every service has stopped.
    exits.callback(cleanup_topology, env)
    say(f"starting {len(processes)} service processes ({', '.join(n for n, _ in processes)}) ...")
    for _, svc in processes:
        exits.callback(svc.stop)
        svc.start()
    for _, svc in processes:
        svc.wait_ready(timeout=120)
    services = []
    for name, svc in processes:
        assert svc.proc is not None
        services.append(Member(name, svc.proc.pid, url=svc.url))
    return Stack(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        ingest_url=first["ingest"].url,
        inbox_urls=[svc.url for name, svc in processes if name.startswith("inbox")],
        services=services,
        database=database,
        broker=find_broker(amqp_url),
        env=env,
        own=True,
        queue_prefix=env["LIVECHAT_QUEUE_PREFIX"],
        database_prefix=env["LIVECHAT_MONGODB_DB_PREFIX"],
        logs=logs,
    )


def attach(
    *,
    amqp_url: str,
    mongo_url: str | None,
    urls: dict[str, list[str]],
) -> Stack:
    """A running stack, given by its services' URLs; the processes (for CPU) are found by the ports
    they listen on, when they run on this machine as this user."""
    services: list[Member] = []
    for name, addresses in urls.items():
        for n, url in enumerate(addresses, start=1):
            label = name if n == 1 else f"{name}#{n}"
            services.append(Member(label, pid_listening_on(url_port(url, 80)), url=url.rstrip("/")))
    database = None
    if mongo_url is not None:
        pid = pid_listening_on(url_port(mongo_url, 27017))
        database = Member("mongodb", pid, kind="database") if pid else None
    run = os.urandom(4).hex()
    env = {f"LIVECHAT_{name.upper()}_URL": addresses[0] for name, addresses in urls.items() if addresses}
    return Stack(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        ingest_url=urls["ingest"][0].rstrip("/"),
        inbox_urls=[u.rstrip("/") for u in urls["inbox"]],
        services=services,
        database=database,
        broker=find_broker(amqp_url),
        env=env,
        own=False,
        queue_prefix=f"bench-{run}.",
        database_prefix=f"bench_{run}",
    )


def bootstrap(stack: Stack, workspace: str = "Bench") -> dict[str, Any]:
    """``livechat bootstrap --workspace NAME`` with the stack's environment (as the end-to-end tests'
    ``Stack.cli``): the workspace, its Webchat app and an admin token, as JSON."""
    out = subprocess.run(
        [_executable("livechat"), "bootstrap", "--workspace", workspace],
        env={**os.environ, **stack.env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"livechat bootstrap failed: {out.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def cleanup_topology(env: dict[str, str]) -> None:
    """Remove this run's exchanges and queues: the declared topology (``remove_topology``), then any
    queue still carrying this run's unique prefix (e.g. one added to the topology since)."""
    settings = settings_from(ServiceSettings, env)
    with contextlib.suppress(Exception):
        asyncio.run(asyncio.wait_for(remove_topology(settings), 60))
    with contextlib.suppress(Exception):
        asyncio.run(
            asyncio.wait_for(delete_prefixed_queues(settings.amqp_url, env["LIVECHAT_QUEUE_PREFIX"]), 90)
        )


def list_queues() -> list[str]:
    """Queue names of the local broker's default vhost, by ``rabbitmqctl`` (empty if unavailable)."""
    tool = shutil.which("rabbitmqctl")
    if tool is None:
        return []
    try:
        out = subprocess.run(
            [tool, "-q", "list_queues", "name"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip() and line.strip() != "name"]


async def delete_prefixed_queues(amqp_url: str, prefix: str) -> int:
    if not prefix or not prefix.startswith(("test-", "bench-")):
        return 0  # only names unique to a bench run
    names = [n for n in await asyncio.to_thread(list_queues) if n.startswith(prefix)]
    if not names:
        return 0
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        for name in names:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
    return len(names)
