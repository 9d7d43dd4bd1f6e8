"""``python -m bench.assignment``: handoffs per second and the time from a handoff to its
assignment, with several assignment replicas consuming at once, and a check of every agent's capacity.

It starts the embedded MongoDB server and ``--replicas`` assignment processes (an exchange, queues
and databases unique to the run), makes a workspace with one team of ``--agents`` agents online
(``--limit`` chats each) through the service's API, then plays the inbox for ``--seconds``:

- at ``--rate`` per second (open loop) it publishes a chat's ``inbox.chat.placement_changed.v1``
  (``waiting``: the inbox applied the AI's Human Handoff), as the inbox would;
- for each ``assignment.chat.assigned.v1`` it receives it publishes the chat's ``held`` placement
  (the inbox applied it) and, ``--hold`` seconds later (exponential mean), ``done`` (the agent
  resolved it), which frees the agent's capacity for the oldest waiting chat.

Latency is from the ``waiting`` publish to the ``assigned`` event's arrival. Capacity: at every
assignment the agent's chats (assigned and not yet resolved, as the bench saw them — never more
than the service counts) must stay within ``--limit``, no chat may be assigned twice, and at the
end every agent's stored load must match. Only 127.0.0.1 is contacted; everything started is
stopped and the run's queues and exchanges are removed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from livechat_dev.devstack import EmbeddedMongo, ServiceProcess, free_port
from livechat_dev.testing import isolated_env, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import ChatAssignedV1, ChatPlacementChangedV1, Envelope, HandoffTarget
from livechat_shared.ids import new_id
from livechat_shared.settings import ServiceSettings
from livechat_shared.topology import partition_header
from pymongo import AsyncMongoClient

from bench.pipeline.__main__ import run_header
from bench.pipeline.stack import cleanup_topology


def say(text: str = "") -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.assignment", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="handoffs per second (default 50)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the load runs (default 30)")
    parser.add_argument("--replicas", type=int, default=3, help="assignment processes (default 3)")
    parser.add_argument("--agents", type=int, default=20, help="agents online in the team (default 20)")
    parser.add_argument("--limit", type=int, default=5, help="max_auto_chats of the teamspace (default 5)")
    parser.add_argument(
        "--hold", type=float, default=1.0, help="mean seconds an agent holds a chat (default 1)"
    )
    parser.add_argument("--method", default="balanced", help="the teamspace's assignment method")
    parser.add_argument(
        "--amqp-url", default=os.environ.get("LIVECHAT_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--data-dir", type=Path, help="keep the database and the services' logs here")
    return parser.parse_args(argv)


class Inbox:
    """Plays the inbox on the bus: publishes placements, reads routing's decisions."""

    def __init__(self, args: argparse.Namespace, workspace_id: str, teamspace_id: str, team_id: str) -> None:
        self.args, self.workspace_id, self.teamspace_id, self.team_id = (
            args,
            workspace_id,
            teamspace_id,
            team_id,
        )
        self.sent_at: dict[str, float] = {}
        self.latency: dict[str, float] = {}
        self.last_assigned_at = 0.0
        self.holding: dict[str, set[str]] = defaultdict(set)
        self.assignee: dict[str, str] = {}
        self.violations: list[str] = []
        self.duplicates = 0
        self.done = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.exchange: aio_pika.abc.AbstractExchange | None = None
        self.rng = random.Random(7)

    async def publish(self, chat_id: str, event: ChatPlacementChangedV1) -> None:
        assert self.exchange is not None
        envelope = Envelope.wrap(event, workspace_id=self.workspace_id, chat_id=chat_id)
        headers: dict[str, Any] = dict(partition_header(envelope.routing_key, envelope.payload, chat_id))
        message = aio_pika.Message(envelope.model_dump_json().encode(), headers=headers, delivery_mode=2)
        await self.exchange.publish(message, routing_key=envelope.routing_key)

    def placement(self, placement: str, version: int, assignee: str | None = None) -> ChatPlacementChangedV1:
        target = HandoffTarget(team_ids=[self.team_id]) if placement == "waiting" else None
        return ChatPlacementChangedV1(
            chat_version=version,
            teamspace_id=self.teamspace_id,
            placement=placement,  # type: ignore[arg-type]
            assignee_id=assignee,
            target=target,
            summary="bench" if target else None,
        )

    async def hand_off(self) -> str:
        chat_id = new_id()
        self.sent_at[chat_id] = time.perf_counter()
        await self.publish(chat_id, self.placement("waiting", 1))
        return chat_id

    async def on_decision(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        arrived = time.perf_counter()
        envelope = Envelope.model_validate_json(message.body)
        if envelope.type != ChatAssignedV1.event_type or envelope.chat_id is None:
            return
        chat_id, agent = envelope.chat_id, envelope.open(ChatAssignedV1).assignee_id
        if chat_id in self.assignee:
            if self.assignee[chat_id] != agent:
                self.violations.append(f"{chat_id} assigned to {self.assignee[chat_id]} and {agent}")
            self.duplicates += 1  # the same decision announced again (it is idempotent for the inbox)
            return
        self.assignee[chat_id] = agent
        self.latency[chat_id] = arrived - self.sent_at[chat_id]
        self.last_assigned_at = arrived
        self.holding[agent].add(chat_id)
        if len(self.holding[agent]) > self.args.limit:
            self.violations.append(f"{agent} holds {len(self.holding[agent])} > {self.args.limit}")
        task = asyncio.create_task(self.work(chat_id, agent))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def work(self, chat_id: str, agent: str) -> None:
        await self.publish(chat_id, self.placement("held", 2, agent))
        await asyncio.sleep(self.rng.expovariate(1 / self.args.hold))  # the agent works the chat
        self.holding[agent].discard(chat_id)  # before the service can free it: the count never lags
        await self.publish(chat_id, self.placement("done", 3))
        self.done += 1


async def setup_workspace(
    url: str, env: dict[str, str], args: argparse.Namespace
) -> tuple[str, str, str, list[str]]:
    settings = settings_from(ServiceSettings, env)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        made = await http.post(
            "/v1/workspaces",
            headers={"X-Operator-Key": env["LIVECHAT_OPERATOR_KEY"]},
            json={"name": "Bench", "admin": {"name": "Ada", "email": "ada@bench.example"}},
        )
        made.raise_for_status()
        workspace_id, admin_id = made.json()["workspace"]["id"], made.json()["admin"]["id"]

        def auth(user_id: str) -> dict[str, str]:
            token = issue_token(settings, user_id=user_id, workspace_id=workspace_id)
            return {"Authorization": f"Bearer {token}"}

        admin = auth(admin_id)
        teamspace = (await http.post("/v1/teamspaces", headers=admin, json={"name": "Bench"})).json()
        team = (
            await http.post(
                "/v1/teams", headers=admin, json={"teamspace_id": teamspace["id"], "name": "Team"}
            )
        ).json()
        body = {"method": args.method, "max_auto_chats": args.limit, "away_grace_seconds": 3600}
        (
            await http.put(f"/v1/teamspaces/{teamspace['id']}/assignment", headers=admin, json=body)
        ).raise_for_status()
        agents = []
        for n in range(args.agents):
            user = {
                "name": f"Agent {n}",
                "email": f"agent{n}@bench.example",
                "role": "agent",
                "team_ids": [team["id"]],
            }
            made_user = await http.post("/v1/users", headers=admin, json=user)
            made_user.raise_for_status()
            agents.append(made_user.json()["id"])
            online = await http.put("/v1/me/presence", headers=auth(agents[-1]), json={"status": "online"})
            online.raise_for_status()
    return workspace_id, teamspace["id"], team["id"], agents


async def stored_loads(mongo_url: str, env: dict[str, str], agents: list[str]) -> dict[str, tuple[int, int]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    try:
        db = client[f"{env['LIVECHAT_MONGODB_DB_PREFIX']}_assignment"]
        docs = await db["agent_loads"].find({"_id": {"$in": agents}}).to_list()
        return {str(d["_id"]): (int(d["open"]), len(d["chats"])) for d in docs}
    finally:
        await client.close()


async def commands_by_name(urls: list[str]) -> Counter[str]:
    """MongoDB commands the replicas sent so far, by command name (their ``/metrics``)."""
    counts: Counter[str] = Counter()
    async with httpx.AsyncClient(timeout=10) as http:
        for url in urls:
            for line in (await http.get(f"{url}/metrics")).text.splitlines():
                if line.startswith("mongodb_commands_total{"):
                    name = line.split('command="', 1)[1].split('"', 1)[0]
                    counts[name] += int(float(line.rsplit(" ", 1)[1]))
    return counts


async def partitions_shared(mongo_url: str, env: dict[str, str], replicas: int) -> None:
    """Wait until every replica has joined the share-out of the partitions, and one heartbeat more
    (the first owners yield what the others now own): the load meets the steady state."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    try:
        members = client[f"{env['LIVECHAT_MONGODB_DB_PREFIX']}_assignment"]["partition_members"]
        deadline = time.monotonic() + 60
        while await members.count_documents({"group": "assignment.chats"}) < replicas:
            if time.monotonic() > deadline:
                raise TimeoutError("the assignment replicas did not all join the partitions")
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # one heartbeat (2 s) and the yields it causes
    finally:
        await client.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(
    args: argparse.Namespace, env: dict[str, str], urls: list[str], mongo_url: str
) -> dict[str, Any]:
    await partitions_shared(mongo_url, env, args.replicas)
    workspace_id, teamspace_id, team_id, agents = await setup_workspace(urls[0], env, args)
    inbox = Inbox(args, workspace_id, teamspace_id, team_id)
    connection = await aio_pika.connect(args.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        inbox.exchange = await channel.get_exchange(env["LIVECHAT_EXCHANGE"])
        probe = await channel.declare_queue(f"{env['LIVECHAT_QUEUE_PREFIX']}bench-probe", exclusive=True)
        await probe.bind(inbox.exchange, routing_key="assignment.chat.#")
        await probe.consume(inbox.on_decision, no_ack=True)
        say(
            f"load: {args.rate:g} handoffs/s for {args.seconds:g} s, {args.agents} agents x {args.limit}, "
            f"hold {args.hold:g} s, {args.replicas} replicas, {args.method}"
        )
        before = await commands_by_name(urls)
        started = time.perf_counter()
        sent = 0
        late = 0
        while time.perf_counter() - started < args.seconds:
            due = started + sent / args.rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -0.05:
                late += 1
            await inbox.hand_off()
            sent += 1
        offered_seconds = time.perf_counter() - started
        deadline = time.perf_counter() + 60
        while len(inbox.latency) < sent and time.perf_counter() < deadline:  # noqa: ASYNC110 (a bench's poll)
            await asyncio.sleep(0.05)
        await asyncio.gather(*list(inbox.tasks))
        assigning_seconds = inbox.last_assigned_at - started  # until the last assignment arrived
        commands = await commands_by_name(urls)
        commands.subtract(before)
    loads = await stored_loads(mongo_url, env, agents)
    bad_loads = {a: v for a, v in loads.items() if v[0] != v[1] or v[0] > args.limit}
    latencies = [v * 1000 for v in inbox.latency.values()]
    per_agent = Counter(inbox.assignee.values())
    figures: dict[str, Any] = {
        "offered_per_second": round(sent / offered_seconds, 1),
        "handoffs": sent,
        "assigned": len(inbox.latency),
        "assigned_per_second": round(len(inbox.latency) / max(1e-9, assigning_seconds), 1),
        "late_sends": late,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1) if latencies else None,
            "p99": round(percentile(latencies, 99), 1) if latencies else None,
            "max": round(max(latencies), 1) if latencies else None,
        },
        "capacity_violations": inbox.violations,
        "stored_loads_wrong": bad_loads,
        "announced_again": inbox.duplicates,
        "db_commands_per_handoff": round(sum(commands.values()) / max(1, sent), 1),
        "db_commands_by_name_per_handoff": {
            name: round(n / max(1, sent), 2) for name, n in commands.most_common(8)
        },
        "chats_per_agent": {
            "min": min(per_agent.values(), default=0),
            "max": max(per_agent.values(), default=0),
        },
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    header = run_header("bench.assignment", argv, say)
    with contextlib.ExitStack() as exits, tempfile.TemporaryDirectory(prefix="bench-assignment-") as tmp:
        data = args.data_dir or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        mongo = EmbeddedMongo(data / "mongo", log=(data / "mongodb.log").open("ab"))
        exits.callback(mongo.stop)
        say("starting the embedded MongoDB server ...")
        mongo.start()
        env = isolated_env(args.amqp_url, mongo.url) | {
            "LIVECHAT_LOG_LEVEL": "warning",
            "LIVECHAT_PARTITIONS": "0",
        }
        exits.callback(cleanup_topology, env)
        replicas = [
            ServiceProcess("assignment", free_port(), env, log=(data / f"assignment-{n}.log").open("ab"))
            for n in range(args.replicas)
        ]
        say(f"starting {args.replicas} assignment processes ...")
        for svc in replicas:
            exits.callback(svc.stop)
            svc.start()
        try:
            for svc in replicas:
                svc.wait_ready(timeout=120)
        except RuntimeError:
            for log in sorted(data.glob("assignment-*.log")):
                say(f"--- {log.name}:\n{log.read_text(errors='replace')[-3000:]}")
            raise
        figures = asyncio.run(measure(args, env, [svc.url for svc in replicas], mongo.url))
    say(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps({**header, **figures}, indent=2) + "\n")
    ok = not figures["capacity_violations"] and not figures["stored_loads_wrong"]
    ok = ok and figures["assigned"] == figures["handoffs"]
    say("capacity: no violation" if ok else "FAILED: see capacity_violations / stored_loads_wrong / assigned")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
