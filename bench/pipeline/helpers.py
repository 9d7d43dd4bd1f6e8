"""Pure helpers of the pipeline bench: percentiles, Prometheus text, ``/proc`` parsing, formatting.

Everything here is a function of its arguments (the few that read ``/proc`` take the text from a
thin reader), so ``bench/tests/test_helpers.py`` checks it without a stack.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# --------------------------------------------------------------------------------------------------
# Percentiles


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0 < q <= 100) by the nearest-rank method: the smallest value with at
    least ``q`` % of the values at or below it (so p100 is the maximum, and p50 of 1..4 is 2).
    ``None`` for no values."""
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def windows(points: Iterable[tuple[float, float]], width: float) -> list[dict[str, float]]:
    """``(time, latency)`` points grouped in windows of ``width`` seconds by time (the first window
    starts at 0): each non-empty window's start, count, p50, p99 and max latency, in time order."""
    if width <= 0:
        raise ValueError("width must be positive")
    groups: dict[int, list[float]] = {}
    for at, latency in points:
        groups.setdefault(int(max(at, 0.0) // width), []).append(latency)
    out = []
    for index in sorted(groups):
        values = groups[index]
        out.append(
            {
                "start": index * width,
                "count": float(len(values)),
                "p50": percentile(values, 50) or 0.0,
                "p99": percentile(values, 99) or 0.0,
                "max": max(values),
            }
        )
    return out


# --------------------------------------------------------------------------------------------------
# Prometheus text format


@dataclass(frozen=True)
class Sample:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float

    def label(self, key: str) -> str | None:
        return dict(self.labels).get(key)


_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def _unescape(value: str) -> str:
    return re.sub(r'\\[\\"n]', lambda m: _ESCAPES[m.group(0)], value)


def parse_metrics(text: str) -> list[Sample]:
    """The samples of a Prometheus text exposition (``# HELP``/``# TYPE`` and blank lines skipped;
    label values unescaped; an optional timestamp after the value ignored). Lines that do not parse
    are skipped rather than failing the bench."""
    samples: list[Sample] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        name, inner, value = match.group(1), match.group(2) or "", match.group(3)
        try:
            number = float(value)
        except ValueError:
            continue
        labels = tuple((k, _unescape(v)) for k, v in _LABEL.findall(inner))
        samples.append(Sample(name, labels, number))
    return samples


def metric_sum(samples: Iterable[Sample], name: str) -> float:
    """The sum of every sample named ``name`` (over all its labels)."""
    return sum(s.value for s in samples if s.name == name)


def metric_by_label(samples: Iterable[Sample], name: str, label: str) -> dict[str, float]:
    """The samples named ``name`` summed by the value of one label."""
    out: dict[str, float] = {}
    for s in samples:
        if s.name == name:
            key = s.label(label) or ""
            out[key] = out.get(key, 0.0) + s.value
    return out


def has_metric(samples: Iterable[Sample], name: str) -> bool:
    return any(s.name == name for s in samples)


# --------------------------------------------------------------------------------------------------
# /proc


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    utime: int
    """Clock ticks in user mode (``os.sysconf('SC_CLK_TCK')`` per second)."""
    stime: int
    """Clock ticks in kernel mode."""

    @property
    def ticks(self) -> int:
        return self.utime + self.stime


def parse_proc_stat(text: str) -> ProcStat:
    """``/proc/<pid>/stat``: pid, ppid, utime (field 14) and stime (field 15). The command name
    (field 2, in parentheses) may hold spaces and parentheses, so fields are counted after the
    last ``)``."""
    pid = int(text[: text.index("(")].strip())
    fields = text[text.rindex(")") + 1 :].split()
    # fields[0] is field 3 (state): field n is fields[n - 3].
    return ProcStat(pid=pid, ppid=int(fields[1]), utime=int(fields[11]), stime=int(fields[12]))


def parse_cpu_line(text: str) -> tuple[int, int]:
    """The first line of ``/proc/stat`` (all CPUs): ``(busy, total)`` clock ticks, where idle and
    iowait are not busy."""
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu":
            ticks = [int(v) for v in parts[1:]]
            # user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is
            # already counted in user/nice.
            total = sum(ticks[:8])
            idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
            return total - idle, total
    raise ValueError("no aggregate cpu line")


def parse_listening_inodes(text: str, port: int) -> set[int]:
    """From ``/proc/net/tcp`` (or ``tcp6``): the socket inodes listening (state ``0A``) on ``port``."""
    inodes: set[int] = set()
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 10:
            continue
        local, state, inode = parts[1], parts[3], parts[9]
        if state != "0A":
            continue
        if int(local.rsplit(":", 1)[1], 16) == port:
            inodes.add(int(inode))
    return inodes


PROC = Path("/proc")


def read_stat(pid: int) -> ProcStat | None:
    try:
        return parse_proc_stat((PROC / str(pid) / "stat").read_text())
    except (OSError, ValueError, IndexError):
        return None


def all_stats() -> dict[int, ProcStat]:
    out: dict[int, ProcStat] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := read_stat(int(entry.name))) is not None:
            out[stat.pid] = stat
    return out


def tree_ticks(pid: int, stats: Mapping[int, ProcStat]) -> int | None:
    """CPU ticks (user + system) of ``pid`` and its live descendants; ``None`` when it is gone."""
    if pid not in stats:
        return None
    children: dict[int, list[int]] = {}
    for s in stats.values():
        children.setdefault(s.ppid, []).append(s.pid)
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += stats[p].ticks
        todo.extend(children.get(p, []))
    return total


def machine_ticks() -> tuple[int, int]:
    return parse_cpu_line((PROC / "stat").read_text())


def pid_listening_on(port: int) -> int | None:
    """The process (of this user) listening on TCP ``port``, found through ``/proc``; ``None`` if
    there is none or it is not visible."""
    inodes: set[int] = set()
    for table in ("tcp", "tcp6"):
        try:
            inodes |= parse_listening_inodes((PROC / "net" / table).read_text(), port)
        except OSError:
            continue
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(entry.name)
        except OSError:
            continue
    return None


# --------------------------------------------------------------------------------------------------
# Addresses and formatting

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def is_local(url: str) -> bool:
    """True for URLs whose every host is this machine's loopback (the bench drives nothing else);
    ``mongodb://a,b/`` lists every host."""
    if "://" not in url:
        return False
    netloc = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    hosts = [urlsplit(f"//{part}").hostname for part in netloc.split(",")]
    return bool(hosts) and all(host in LOCAL_HOSTS for host in hosts)


def url_port(url: str, default: int) -> int:
    return urlsplit(url).port or default


def fmt_seconds(value: float | None) -> str:
    """A latency for humans: ``850 ms``, ``12.3 s``; ``-`` for none."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


def fmt_num(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None, *, left: bool = False) -> str:
    """Rows as an aligned plain-text table (first column left, the others right, or all left)."""
    all_rows = [list(header)] if header else []
    all_rows += [list(r) for r in rows]
    if not all_rows:
        return ""
    widths = [max(len(r[i]) for r in all_rows if i < len(r)) for i in range(max(map(len, all_rows)))]
    lines = []
    for n, row in enumerate(all_rows):
        cells = [
            cell.ljust(widths[i]) if i == 0 or left else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if header and n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
