"""The load, through the public API only: webchat visitors send messages (``POST …/messages`` → 202)
and one agent's socket (``WS /v1/stream``) receives them as ``message.created`` frames. Each message
carries a unique tag in its text, so a frame is matched to the request that sent it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import websockets

from .helpers import percentile, windows

TAG = re.compile(r"\[bench:[0-9a-z]+:[0-9a-z]+:\d+\]")
MAX_MESSAGES = 1_000_000
MAX_SECONDS = 3600.0
PROGRESS_SECONDS = 15.0
WINDOW_SECONDS = 10.0


@dataclass
class Visitor:
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def start_visitors(http: httpx.AsyncClient, ingest_url: str, app_id: str, count: int) -> list[Visitor]:
    """``count`` webchat visitors, each with a session (``POST /v1/webchat/{app}/sessions``)."""
    slots = asyncio.Semaphore(16)

    async def one() -> Visitor:
        async with slots:
            response = await http.post(f"{ingest_url}/v1/webchat/{app_id}/sessions", json={})
        if response.status_code != 201:
            raise RuntimeError(f"starting a webchat session answered {response.status_code}: {response.text}")
        return Visitor(response.json()["session_token"])

    return list(await asyncio.gather(*(one() for _ in range(count))))


class AgentSocket:
    """The agent's ``/v1/stream`` socket: records when each tagged ``message.created`` frame arrives
    (first arrival; later copies are counted as duplicates)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.arrivals: dict[str, float] = {}
        self.duplicates: Counter[str] = Counter()
        """Copies of an already received frame, by run label."""
        self.frames = 0
        self.per_label: Counter[str] = Counter()
        """First arrivals, by run label."""
        self.closed: str | None = None
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ws: Any = None

    async def __aenter__(self) -> AgentSocket:
        self._ws = await websockets.connect(self.url, open_timeout=15, max_size=None, max_queue=None)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 5)

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                now = time.perf_counter()
                self.frames += 1
                frame = json.loads(raw)
                if frame.get("type") != "message.created":
                    continue
                match = TAG.search(str((frame.get("data") or {}).get("text") or ""))
                if match is None:
                    continue
                key = match.group(0)
                if key in self.arrivals:
                    self.duplicates[key.split(":")[2]] += 1
                else:
                    self.arrivals[key] = now
                    self.per_label[key.split(":")[2]] += 1
                    self._arrived.set()
            self.closed = f"closed by the server ({self._ws.close_code} {self._ws.close_reason})"
        except websockets.ConnectionClosed as exc:
            self.closed = f"closed ({exc})"
        finally:
            self._arrived.set()

    async def wait_for(self, keys: set[str], *, idle: float, cap: float) -> bool:
        """Wait until every key has arrived; give up after ``idle`` seconds without a new arrival, or
        ``cap`` seconds in all, or when the socket closes. True when all arrived."""
        start = time.perf_counter()
        last_progress, last_count = start, -1
        while True:
            missing = sum(1 for k in keys if k not in self.arrivals)
            if missing == 0:
                return True
            now = time.perf_counter()
            count = len(self.arrivals)
            if count != last_count:
                last_progress, last_count = now, count
            if self.closed or now - last_progress > idle or now - start > cap:
                return False
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=1.0)


@dataclass
class LoadResult:
    label: str
    mode: str
    """``max`` or ``rate``."""
    rate: float | None
    concurrency: int
    sent: int = 0
    accepted: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    first_send: float = 0.0
    last_send: float = 0.0
    last_accept: float = 0.0
    late_sends: int = 0
    """Rate mode: sends that started more than 50 ms after their slot (the pool was full)."""
    accepted_at: dict[str, float] = field(default_factory=dict)
    all_delivered: bool = False
    wait_seconds: float = 0.0

    def latencies(self, arrivals: dict[str, float]) -> tuple[list[float], int]:
        """Latency from the 202 to the frame for each delivered message, and how many frames came
        before their 202 was read (counted as 0)."""
        out, early = [], 0
        for key, accepted in self.accepted_at.items():
            if key in arrivals:
                delta = arrivals[key] - accepted
                if delta < 0:
                    early += 1
                out.append(max(delta, 0.0))
        return out, early


async def run_load(
    http: aiohttp.ClientSession,
    agent: AgentSocket,
    *,
    ingest_url: str,
    app_id: str,
    visitors: list[Visitor],
    run_id: str,
    label: str,
    messages: int | None,
    seconds: float | None,
    rate: float | None,
    concurrency: int,
    idle_timeout: float,
    wait_cap: float,
    say: Any = print,
) -> LoadResult:
    """Offer the load (open loop at ``rate`` msg/s, or as fast as accepted with ``concurrency``
    requests in flight), then wait for every accepted message's frame."""
    result = LoadResult(label, "rate" if rate else "max", rate, concurrency)
    url = f"{ingest_url}/v1/webchat/{app_id}/messages"
    if messages is None and seconds is None:
        raise ValueError("messages or seconds")
    limit = min(messages if messages is not None else MAX_MESSAGES, MAX_MESSAGES)
    if rate and seconds is not None:
        limit = min(limit, max(1, int(rate * seconds)))
    duration = min(seconds, MAX_SECONDS) if seconds is not None else MAX_SECONDS
    slots = asyncio.Semaphore(concurrency)
    pending: set[asyncio.Task[None]] = set()

    async def send(i: int) -> None:
        visitor = visitors[i % len(visitors)]
        key = f"[bench:{run_id}:{label}:{i}]"
        body = {"text": f"{key} hello from visitor {i % len(visitors)}", "client_message_id": f"{label}-{i}"}
        try:
            async with http.post(url, headers=visitor.headers, json=body) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            result.statuses[type(exc).__name__] += 1
            return
        finally:
            slots.release()
        now = time.perf_counter()
        result.statuses[str(status)] += 1
        if status == 202:
            result.accepted += 1
            result.accepted_at[key] = now
            result.last_accept = now

    start = time.perf_counter()
    reported = start
    result.first_send = start
    i = 0
    while i < limit:
        now = time.perf_counter()
        if now - start >= duration:
            break
        if rate:
            due = start + i / rate
            if due > now:
                await asyncio.sleep(due - now)
        await slots.acquire()
        sent_at = time.perf_counter()
        if rate and sent_at - (start + i / rate) > 0.05:
            result.late_sends += 1
        task = asyncio.create_task(send(i))
        pending.add(task)
        task.add_done_callback(pending.discard)
        result.last_send = sent_at
        i += 1
        if sent_at - reported >= PROGRESS_SECONDS:
            reported = sent_at
            say(f"  {label}: {i} sent, {result.accepted} accepted, {agent.per_label[label]} frames so far")
    result.sent = i
    if pending:
        await asyncio.gather(*pending)
    waited = time.perf_counter()
    keys = set(result.accepted_at)
    waiting = asyncio.create_task(agent.wait_for(keys, idle=idle_timeout, cap=wait_cap))
    while not waiting.done():
        await asyncio.wait({waiting}, timeout=PROGRESS_SECONDS)
        if not waiting.done():
            arrived = sum(1 for k in keys if k in agent.arrivals)
            say(f"  {label}: all {result.sent} sent; {arrived} of {len(keys)} frames so far")
    result.all_delivered = waiting.result()
    result.wait_seconds = time.perf_counter() - waited
    return result


@dataclass
class Figures:
    """What a run showed, from the load generator's side."""

    offered: str
    send_rate: float
    accepted: int
    accepted_rate: float
    delivered: int
    missing: int
    duplicates: int
    e2e_rate: float
    deliver_seconds: float
    p50: float | None
    p99: float | None
    max: float | None
    early_frames: int
    statuses: dict[str, int]
    late_sends: int
    timeline: list[dict[str, float]]
    """Latency by 10 s window of accept time (seconds from the first send)."""


def figures(result: LoadResult, agent: AgentSocket) -> Figures:
    arrivals = agent.arrivals
    latencies, early = result.latencies(arrivals)
    delivered = len(latencies)
    last_frame = max((arrivals[k] for k in result.accepted_at if k in arrivals), default=result.first_send)
    send_span = result.last_send - result.first_send if result.rate else 0.0
    accept_span = result.last_accept - result.first_send
    deliver_span = last_frame - result.first_send
    return Figures(
        offered=f"{result.rate:g} msg/s" if result.rate else f"max ({result.concurrency} in flight)",
        send_rate=result.sent / send_span if send_span > 0 else 0.0,
        accepted=result.accepted,
        accepted_rate=result.accepted / accept_span if accept_span > 0 else 0.0,
        delivered=delivered,
        missing=result.accepted - delivered,
        duplicates=agent.duplicates[result.label],
        e2e_rate=delivered / deliver_span if deliver_span > 0 else 0.0,
        deliver_seconds=deliver_span,
        p50=percentile(latencies, 50),
        p99=percentile(latencies, 99),
        max=max(latencies) if latencies else None,
        early_frames=early,
        statuses=dict(result.statuses),
        late_sends=result.late_sends,
        timeline=windows(
            (
                (accepted - result.first_send, max(arrivals[key] - accepted, 0.0))
                for key, accepted in result.accepted_at.items()
                if key in arrivals
            ),
            WINDOW_SECONDS,
        ),
    )
