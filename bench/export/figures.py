"""Pure parts of the export bench: what an export file holds (counted from its text), the figures of
the measured steps, the goal's verdict and the printed report.

Everything here is a function of its arguments, so ``bench/tests/test_export.py`` checks it without
a database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.pipeline.helpers import fmt_num, table

GOAL_RATIO = 0.70
"""The CSV export's rate, at least this share of the raw read rate of the same collection."""
GOAL_MB = 200.0
"""The export process's peak resident memory, below this."""


@dataclass
class Step:
    """One measured step: ``rows`` (chats) and ``messages`` read or written in ``seconds``, the CPU
    seconds of the database server, of the process that did it, and of everything else on the machine
    (``other_cpu``) meanwhile; ``peak_mb``: that process's peak resident memory (an export's)."""

    name: str
    rows: int
    seconds: float
    messages: int = 0
    db_cpu: float | None = None
    own_cpu: float | None = None
    other_cpu: float | None = None
    peak_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def message_rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "messages": self.messages,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rate, 1),
            "messages_per_second": round(self.message_rate, 1),
            "db_cpu_seconds": _round(self.db_cpu),
            "own_cpu_seconds": _round(self.own_cpu),
            "other_cpu_seconds": _round(self.other_cpu),
            "peak_rss_mb": _round(self.peak_mb),
            **self.extra,
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def ratio(rate: float, baselines: Iterable[float]) -> float | None:
    """``rate`` over the best of the baseline rates (the conservative reading on a shared machine)."""
    best = max(baselines, default=0.0)
    return rate / best if best > 0 else None


def verdict(export: Step, raw_rates: Iterable[float]) -> dict[str, Any]:
    """Whether the CSV export met the goal: at least :data:`GOAL_RATIO` of the raw rate, in under
    :data:`GOAL_MB` MB."""
    share = ratio(export.rate, raw_rates)
    fast = share is not None and share >= GOAL_RATIO
    small = export.peak_mb is not None and export.peak_mb < GOAL_MB
    return {
        "ratio_to_raw": _round(share, 3),
        "goal_ratio": GOAL_RATIO,
        "goal_mb": GOAL_MB,
        "fast_enough": fast,
        "small_enough": small,
        "met": fast and small,
    }


def peak_rss_mb(status: str) -> float:
    """The peak resident memory (``VmHWM``) in ``/proc/<pid>/status`` text, in MB."""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise ValueError("no VmHWM in the status")


def cpu_seconds(stat: str, ticks_per_second: int = 100) -> float:
    """utime + stime of ``/proc/<pid>/stat`` text, in seconds (fields after the command's ``)``)."""
    fields = stat[stat.rindex(")") + 1 :].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def busy_seconds(before: str, after: str, ticks_per_second: int = 100) -> float:
    """CPU seconds all cores were busy between two readings of ``/proc/stat``'s first line (idle and
    iowait are not busy)."""

    def busy(line: str) -> int:
        values = [int(v) for v in line.split()[1:]]
        return sum(values) - values[3] - (values[4] if len(values) > 4 else 0)

    return (busy(after) - busy(before)) / ticks_per_second


@dataclass(frozen=True)
class CsvTotals:
    rows: int
    messages: int
    header: list[str]
    ids: int


def csv_totals(text: str) -> CsvTotals:
    """What a CSV export holds: its rows, the sum of their ``messages_total``, its header and how many
    distinct chat ids."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    total_at = header.index("messages_total") if "messages_total" in header else None
    rows = messages = 0
    ids: set[str] = set()
    for row in reader:
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells, the header {len(header)}")
        rows += 1
        ids.add(row[0])
        if total_at is not None:
            messages += int(row[total_at])
    return CsvTotals(rows=rows, messages=messages, header=header, ids=len(ids))


def jsonl_totals(lines: Iterable[bytes]) -> tuple[int, int]:
    """A JSONL export's lines and messages (each line parsed)."""
    rows = messages = 0
    for line in lines:
        if not line.strip():
            continue
        parsed = json.loads(line)
        rows += 1
        messages += len(parsed["messages"])
    return rows, messages


def report_text(steps: Mapping[str, Step], result: Mapping[str, Any], database: str) -> str:
    """The printed figures: a line per step, then the goal's verdict."""
    rows = []
    for step in steps.values():
        rows.append(
            [
                step.name,
                f"{step.rows:,}" if step.rows else "",
                f"{step.messages:,}" if step.messages else "",
                fmt_num(step.seconds, 2),
                fmt_num(step.rate, 0) if step.rows else "",
                fmt_num(step.message_rate, 0) if step.messages else "",
                fmt_num(step.db_cpu),
                fmt_num(step.own_cpu),
                fmt_num(None if step.other_cpu is None else max(0.0, step.other_cpu)),
                fmt_num(step.peak_mb, 0),
            ]
        )
    header = [
        "step",
        "chats",
        "messages",
        "seconds",
        "chats/s",
        "messages/s",
        "db CPU s",
        "own CPU s",
        "other CPU s",
        "peak MB",
    ]
    lines = [f"database: {database}", table(rows, header), ""]
    share = result.get("ratio_to_raw")
    lines.append(
        f"CSV export: {fmt_num(share * 100 if share is not None else None, 0)}% of the best raw read "
        f"(goal ≥ {GOAL_RATIO:.0%}), peak {fmt_num(steps['csv'].peak_mb, 0) if 'csv' in steps else '-'} MB "
        f"(goal < {GOAL_MB:.0f} MB): goal {'met' if result.get('met') else 'NOT met'}"
    )
    return "\n".join(lines)
