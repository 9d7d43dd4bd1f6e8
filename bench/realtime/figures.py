"""Pure parts of the realtime bench: the split of sockets over replicas, reading a frame's head, the
figures of the measured changes and the printed report.

Everything here is a function of its arguments, so ``bench/tests/test_realtime.py`` checks it
without a stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.pipeline.helpers import fmt_num, percentile, table

GOAL_SECONDS = 0.200
"""The goal for the headline figure: the last socket has the frame within 200 ms (p99 of the changes)."""

NOT_OURS = {"mongodb", "rabbitmq", "bench"}

# --------------------------------------------------------------------------------------------------
# Sockets over replicas


def split(sockets: int, replicas: int) -> list[int]:
    """How many of ``sockets`` go to each of ``replicas``: as even as possible, the first ones taking
    the remainder (1000 over 2 → [500, 500]; 5 over 3 → [2, 2, 1])."""
    if sockets < 0 or replicas < 1:
        raise ValueError("sockets must be >= 0 and replicas >= 1")
    base, extra = divmod(sockets, replicas)
    return [base + (1 if n < extra else 0) for n in range(replicas)]


def replica_of(sockets: int, replicas: int) -> list[int]:
    """The replica of each socket, round robin (socket ``i`` → replica ``i % replicas``), so the
    sockets of one replica are opened interleaved with the others'. The counts are :func:`split`'s."""
    if sockets < 0 or replicas < 1:
        raise ValueError("sockets must be >= 0 and replicas >= 1")
    return [i % replicas for i in range(sockets)]


# --------------------------------------------------------------------------------------------------
# Frames

_HEAD = re.compile(
    r'\{\s*"type"\s*:\s*"([^"\\]*)"\s*,\s*"chat_id"\s*:\s*"([^"\\]*)"\s*,\s*"version"\s*:\s*(-?\d+)\s*[,}]'
)


def frame_head(raw: str | bytes) -> tuple[str | None, str | None, int | None]:
    """A stream frame's ``type``, ``chat_id`` and ``version`` without decoding its ``data``.

    The inbox writes those three keys first (``{"type":…,"chat_id":…,"version":…,"data":…}``), so a
    match of the object's head is read at once; any other shape (other key order, escapes in a
    string) is decoded in full. ``None`` for what the frame lacks (or when it is not a JSON object)."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    match = _HEAD.match(text)
    if match is not None:
        return match.group(1), match.group(2), int(match.group(3))
    try:
        frame = json.loads(text)
    except ValueError:
        return None, None, None
    if not isinstance(frame, dict):
        return None, None, None
    kind, chat_id, version = frame.get("type"), frame.get("chat_id"), frame.get("version")
    return (
        kind if isinstance(kind, str) else None,
        chat_id if isinstance(chat_id, str) else None,
        version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


# --------------------------------------------------------------------------------------------------
# The measured changes


@dataclass
class Change:
    """One measured change: its version, and when each socket had its ``chat.changed`` frame."""

    index: int
    version: int
    replica: int
    """The inbox replica the PATCH was sent to."""
    patch_seconds: float
    """The PATCH's round trip (send → response read)."""
    delays: list[float | None]
    """Per socket: seconds from just before the PATCH was sent to the frame's arrival; ``None`` when
    it had not arrived by the change's timeout."""
    duplicates: int = 0
    """Copies of this version's frame after a socket's first (counted at the end of the run)."""
    late: int = 0
    """Frames that arrived after the change's timeout (they count as missing)."""
    at: float = 0.0
    """When the PATCH was sent, in seconds from the first measured change's (a periodic stall shows)."""

    @property
    def delivered(self) -> list[float]:
        return [d for d in self.delays if d is not None]

    @property
    def missing(self) -> int:
        return sum(1 for d in self.delays if d is None)

    @property
    def last(self) -> float | None:
        """When the last socket had the frame; ``None`` when one never had it."""
        return None if self.missing or not self.delays else max(d for d in self.delays if d is not None)

    @property
    def first(self) -> float | None:
        return min(self.delivered, default=None)


@dataclass
class Spread:
    """p50/p99/max (nearest rank) of some seconds; ``None`` for no values."""

    count: int
    p50: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(len(values), percentile(values, 50), percentile(values, 99), max(values, default=None))


@dataclass
class Summary:
    sockets: int
    by_replica: list[int]
    changes: int
    expected: int
    """Frames the measured changes should have delivered: sockets x changes."""
    delivered: int
    missing: int
    duplicates: int
    late: int
    incomplete: int
    """Changes whose frame did not reach every socket before the timeout."""
    per_socket: Spread
    """Every delivered frame's delay, over all sockets and changes."""
    last_socket: Spread
    """Per complete change: when the last socket had the frame (the headline)."""
    first_socket: Spread
    fan_out: Spread
    """Per complete change: last socket - first socket."""
    patch: Spread
    last_by_replica: list[Spread] = field(default_factory=list)
    """Per replica, per change whose frame reached all its sockets: when its last socket had it."""

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.duplicates == 0 and self.changes > 0

    @property
    def goal_met(self) -> bool:
        return self.ok and self.last_socket.p99 is not None and self.last_socket.p99 <= GOAL_SECONDS


def summarize(changes: Sequence[Change], replicas: Sequence[int]) -> Summary:
    """The figures of the measured changes; ``replicas`` is each socket's replica (as in
    :func:`replica_of`)."""
    sockets = len(replicas)
    count = max(replicas, default=-1) + 1
    per_socket = [d for c in changes for d in c.delivered]
    complete = [c for c in changes if c.last is not None]
    lasts = [c.last for c in complete if c.last is not None]
    firsts = [c.first for c in complete if c.first is not None]
    by_replica: list[list[float]] = [[] for _ in range(count)]
    for c in changes:
        for r in range(count):
            mine = [d for d, owner in zip(c.delays, replicas, strict=True) if owner == r]
            if mine and all(d is not None for d in mine):
                by_replica[r].append(max(d for d in mine if d is not None))
    return Summary(
        sockets=sockets,
        by_replica=[replicas.count(r) for r in range(count)],
        changes=len(changes),
        expected=sockets * len(changes),
        delivered=len(per_socket),
        missing=sum(c.missing for c in changes),
        duplicates=sum(c.duplicates for c in changes),
        late=sum(c.late for c in changes),
        incomplete=len(changes) - len(complete),
        per_socket=Spread.of(per_socket),
        last_socket=Spread.of(lasts),
        first_socket=Spread.of(firsts),
        fan_out=Spread.of([last - first for last, first in zip(lasts, firsts, strict=True)]),
        patch=Spread.of([c.patch_seconds for c in changes]),
        last_by_replica=[Spread.of(v) for v in by_replica],
    )


# --------------------------------------------------------------------------------------------------
# CPU


def cpu_figures(
    cpu_ms: Mapping[str, float | None],
    *,
    seconds: float,
    frames: int,
    changes: int,
    idle_ms_per_second: Mapping[str, float | None] | None = None,
    machine_busy_ms: float | None = None,
    machine_total_ms: float | None = None,
) -> dict[str, Any]:
    """The inbox processes' CPU (every member named ``inbox`` or ``inbox#n``) over the measured
    window, per delivered frame and per change; ``net`` subtracts their idle background (CPU per
    second with no load, times the window). The other processes' CPU per change is kept beside it, and
    what the machine spent outside every measured process (other load disturbing the run)."""
    inbox = {k: v for k, v in cpu_ms.items() if k == "inbox" or k.startswith("inbox#")}
    known = [v for v in inbox.values() if v is not None]
    total = sum(known) if known else None
    idle = None
    if idle_ms_per_second is not None:
        rates = [v for k, v in idle_ms_per_second.items() if k in inbox and v is not None]
        idle = sum(rates) * seconds if rates else None
    net = max(total - idle, 0.0) if total is not None and idle is not None else None

    def per(value: float | None, n: int) -> float | None:
        return value / n if value is not None and n > 0 else None

    measured = sum(v for v in cpu_ms.values() if v is not None)
    outside = max(machine_busy_ms - measured, 0.0) if machine_busy_ms is not None else None
    return {
        "seconds": seconds,
        "inbox_ms": total,
        "inbox_ms_by_replica": inbox,
        "inbox_idle_ms": idle,
        "inbox_ms_per_frame": per(total, frames),
        "inbox_ms_per_change": per(total, changes),
        "inbox_net_ms_per_frame": per(net, frames),
        "inbox_net_ms_per_change": per(net, changes),
        "others_ms_per_change": {
            k: per(v, changes) for k, v in cpu_ms.items() if k not in inbox and v is not None
        },
        "machine_busy_percent": 100 * machine_busy_ms / machine_total_ms
        if machine_busy_ms is not None and machine_total_ms
        else None,
        "outside_ms": outside,
        "outside_cores": outside / 1000 / seconds if outside is not None and seconds > 0 else None,
    }


# --------------------------------------------------------------------------------------------------
# Text


def ms(value: float | None) -> str:
    """Seconds as milliseconds for the report: ``41.2 ms``; ``-`` for none."""
    return "-" if value is None else f"{value * 1000:.1f} ms"


def spread_text(s: Spread) -> str:
    return f"p50 {ms(s.p50)}   p99 {ms(s.p99)}   max {ms(s.max)}"


def report_text(summary: Summary, cpu: Mapping[str, Any] | None = None) -> str:
    """The printed result of a run."""
    s = summary
    split_text = " + ".join(str(n) for n in s.by_replica)
    verdict = (
        f"goal p99 <= {GOAL_SECONDS * 1000:.0f} ms: {'met' if s.goal_met else 'NOT met'}"
        if s.ok
        else "INCOMPLETE: frames missing or duplicated"
    )
    rows = [
        ["sockets", f"{s.sockets} ({split_text} over {len(s.by_replica)} inbox replicas)"],
        ["changes measured", f"{s.changes} (one after another; PATCH round trip {spread_text(s.patch)})"],
        [
            "frames",
            f"{s.delivered} of {s.expected} delivered; missing {s.missing}, duplicates {s.duplicates}"
            + (f", late {s.late}" if s.late else "")
            + (f"; {s.incomplete} changes incomplete" if s.incomplete else ""),
        ],
        ["per socket", spread_text(s.per_socket) + f"   ({s.per_socket.count} frames)"],
        [
            "LAST socket per change",
            spread_text(s.last_socket) + f"   ({s.last_socket.count} changes; {verdict})",
        ],
        ["first socket per change", spread_text(s.first_socket)],
        ["fan-out (last - first)", spread_text(s.fan_out)],
    ]
    for n, spread in enumerate(s.last_by_replica, start=1):
        rows.append([f"last socket of inbox #{n}", spread_text(spread)])
    lines = [
        "== fan-out: PATCH /v1/chats/{id} -> chat.changed on every socket (from just before the PATCH) ==",
        table(rows, left=True),
    ]
    if cpu is not None:
        by_replica = ", ".join(
            f"{k} {fmt_num(v, 0)}" for k, v in cpu["inbox_ms_by_replica"].items() if v is not None
        )
        lines += [
            "",
            f"inbox CPU over {cpu['seconds']:.1f} s: {fmt_num(cpu['inbox_ms'], 0)} ms ({by_replica}); "
            f"idle background in that time ~{fmt_num(cpu['inbox_idle_ms'], 0)} ms",
            f"  per delivered frame: {fmt_num(cpu['inbox_ms_per_frame'], 3)} ms "
            f"(net of idle {fmt_num(cpu['inbox_net_ms_per_frame'], 3)} ms)",
            f"  per change: {fmt_num(cpu['inbox_ms_per_change'], 1)} ms "
            f"(net of idle {fmt_num(cpu['inbox_net_ms_per_change'], 1)} ms)",
        ]
        others = cpu["others_ms_per_change"]
        if others:
            shown = ", ".join(f"{k} {fmt_num(v, 1)}" for k, v in others.items() if k not in NOT_OURS)
            extra = ", ".join(f"{k} {fmt_num(others[k], 1)}" for k in sorted(NOT_OURS) if k in others)
            lines.append(f"  other processes per change (ms): {shown}" + (f"; {extra}" if extra else ""))
        if cpu.get("machine_busy_percent") is not None:
            lines.append(
                f"  machine busy {cpu['machine_busy_percent']:.0f}% of all cores; outside the stack and "
                f"the bench: {fmt_num(cpu['outside_ms'], 0)} ms ({fmt_num(cpu['outside_cores'], 2)} cores)"
            )
    return "\n".join(lines)


def change_rows(changes: Sequence[Change]) -> list[dict[str, Any]]:
    """Each change in short, for ``--json``."""
    return [
        {
            "index": c.index,
            "at_s": c.at,
            "version": c.version,
            "replica": c.replica,
            "patch_ms": c.patch_seconds * 1000,
            "first_ms": None if c.first is None else c.first * 1000,
            "p50_ms": None if not c.delivered else (percentile(c.delivered, 50) or 0.0) * 1000,
            "last_ms": None if c.last is None else c.last * 1000,
            "missing": c.missing,
            "duplicates": c.duplicates,
            "late": c.late,
        }
        for c in changes
    ]
