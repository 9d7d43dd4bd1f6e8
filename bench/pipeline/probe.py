"""What the bench reads around a run: each process's CPU (``/proc``) and each service's ``/metrics``."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field

import httpx

from .helpers import (
    Sample,
    all_stats,
    has_metric,
    machine_ticks,
    metric_by_label,
    metric_sum,
    parse_metrics,
    tree_ticks,
)
from .stack import Member, Stack

CLK_TCK = os.sysconf("SC_CLK_TCK")

MONGO_COMMANDS = "mongodb_commands_total"
BUS_RECEIVED = "livechat_bus_handled_messages_total"
BUS_PUBLISHED = "livechat_bus_published_messages_total"


@dataclass
class ServiceCounters:
    commands: dict[str, float] | None
    """MongoDB commands sent, by command name (``None``: the service does not expose the counter)."""
    received: float | None
    published: float | None


@dataclass
class Snapshot:
    at: float
    ticks: dict[str, int | None]
    """CPU clock ticks of each member's process tree (and ``bench``: this process)."""
    counters: dict[str, ServiceCounters] = field(default_factory=dict)
    machine: tuple[int, int] = (0, 0)


def counters_of(samples: list[Sample]) -> ServiceCounters:
    return ServiceCounters(
        commands=metric_by_label(samples, MONGO_COMMANDS, "command")
        if has_metric(samples, MONGO_COMMANDS)
        else None,
        received=metric_sum(samples, BUS_RECEIVED) if has_metric(samples, BUS_RECEIVED) else None,
        published=metric_sum(samples, BUS_PUBLISHED) if has_metric(samples, BUS_PUBLISHED) else None,
    )


async def read_metrics(http: httpx.AsyncClient, member: Member) -> ServiceCounters | None:
    assert member.url is not None
    try:
        response = await http.get(f"{member.url}/metrics", timeout=10)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return counters_of(parse_metrics(response.text))


async def snapshot(http: httpx.AsyncClient, stack: Stack) -> Snapshot:
    services = [m for m in stack.services if m.url]
    answers = await asyncio.gather(*(read_metrics(http, m) for m in services))
    stats = await asyncio.to_thread(all_stats)
    ticks: dict[str, int | None] = {
        m.name: (tree_ticks(m.pid, stats) if m.pid else None) for m in stack.members()
    }
    me = stats.get(os.getpid())
    ticks["bench"] = me.ticks if me else None
    return Snapshot(
        at=time.perf_counter(),
        ticks=ticks,
        counters={m.name: c for m, c in zip(services, answers, strict=True) if c is not None},
        machine=machine_ticks(),
    )


def bus_total(snap: Snapshot) -> float:
    return sum((c.received or 0) + (c.published or 0) for c in snap.counters.values())


async def settle(http: httpx.AsyncClient, stack: Stack, *, quiet: float = 1.5, cap: float = 20.0) -> float:
    """Wait until no service handles or publishes a bus message for ``quiet`` seconds (at most
    ``cap``): the trailing work of a run (receipts, other consumers) is counted in its cost."""
    start = time.perf_counter()
    last = bus_total(await snapshot_counters(http, stack))
    still_since = time.perf_counter()
    while time.perf_counter() - start < cap:
        await asyncio.sleep(0.5)
        now = bus_total(await snapshot_counters(http, stack))
        if now != last:
            last, still_since = now, time.perf_counter()
        elif time.perf_counter() - still_since >= quiet:
            break
    return time.perf_counter() - start


async def snapshot_counters(http: httpx.AsyncClient, stack: Stack) -> Snapshot:
    services = [m for m in stack.services if m.url]
    answers = await asyncio.gather(*(read_metrics(http, m) for m in services))
    return Snapshot(
        at=time.perf_counter(),
        ticks={},
        counters={m.name: c for m, c in zip(services, answers, strict=True) if c is not None},
    )


@dataclass
class Cost:
    """The difference of two snapshots."""

    seconds: float
    cpu_ms: dict[str, float | None]
    commands: dict[str, dict[str, float]] | None
    """Per service: MongoDB commands by name (``None`` when no service exposes the counter)."""
    received: dict[str, float]
    published: dict[str, float]
    machine_busy_ms: float
    machine_total_ms: float


def cost_between(before: Snapshot, after: Snapshot) -> Cost:
    cpu: dict[str, float | None] = {}
    for name, start in before.ticks.items():
        end = after.ticks.get(name)
        cpu[name] = (end - start) * 1000 / CLK_TCK if start is not None and end is not None else None
    commands: dict[str, dict[str, float]] = {}
    received: dict[str, float] = {}
    published: dict[str, float] = {}
    for name, end_counters in after.counters.items():
        start_counters = before.counters.get(name)
        if start_counters is None:
            continue
        if end_counters.commands is not None and start_counters.commands is not None:
            commands[name] = {
                cmd: value - start_counters.commands.get(cmd, 0.0)
                for cmd, value in end_counters.commands.items()
                if value - start_counters.commands.get(cmd, 0.0) > 0
            }
        if end_counters.received is not None and start_counters.received is not None:
            received[name] = end_counters.received - start_counters.received
        if end_counters.published is not None and start_counters.published is not None:
            published[name] = end_counters.published - start_counters.published
    busy = (after.machine[0] - before.machine[0]) * 1000 / CLK_TCK
    total = (after.machine[1] - before.machine[1]) * 1000 / CLK_TCK
    return Cost(
        seconds=after.at - before.at,
        cpu_ms=cpu,
        commands=commands or None,
        received=received,
        published=published,
        machine_busy_ms=busy,
        machine_total_ms=total,
    )
