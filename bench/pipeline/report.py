"""Turning a run's figures and costs into the printed table and the JSON numbers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .baselines import Baseline
from .helpers import fmt_num, fmt_seconds, table
from .load import Figures
from .probe import Cost

NOT_OURS = {"mongodb", "rabbitmq", "bench"}


def per_message(cost: Cost, figs: Figures) -> dict[str, Any]:
    """A run's cost divided by the messages accepted in it."""
    n = max(figs.accepted, 1)
    cpu = {name: (ms / n if ms is not None else None) for name, ms in cost.cpu_ms.items()}
    ours = [v for name, v in cpu.items() if name not in NOT_OURS and v is not None]
    members = sum(v for v in cost.cpu_ms.values() if v is not None)
    commands_by_service = (
        {name: sum(cmds.values()) / n for name, cmds in cost.commands.items()} if cost.commands else None
    )
    by_command: dict[str, float] = {}
    for cmds in (cost.commands or {}).values():
        for cmd, count in cmds.items():
            by_command[cmd] = by_command.get(cmd, 0.0) + count / n
    return {
        "cpu_ms": cpu,
        "services_cpu_ms": sum(ours) if ours else None,
        "machine_busy_ms": cost.machine_busy_ms / n,
        "other_processes_cpu_ms": max(cost.machine_busy_ms - members, 0.0) / n,
        "machine_busy_percent": 100 * cost.machine_busy_ms / cost.machine_total_ms
        if cost.machine_total_ms
        else None,
        "mongodb_commands": sum(commands_by_service.values()) if commands_by_service else None,
        "mongodb_commands_by_service": commands_by_service,
        "mongodb_commands_by_name": dict(sorted(by_command.items(), key=lambda kv: -kv[1])),
        "bus_received": sum(cost.received.values()) / n if cost.received else None,
        "bus_published": sum(cost.published.values()) / n if cost.published else None,
        "bus_received_by_service": {k: v / n for k, v in cost.received.items()},
        "bus_published_by_service": {k: v / n for k, v in cost.published.items()},
    }


def run_text(title: str, figs: Figures, cost: Cost, unit: dict[str, Any], settled: float) -> str:
    other = {k: v for k, v in figs.statuses.items() if k != "202"}
    rows = [
        [
            "offered",
            figs.offered
            + (
                f"  (started {fmt_num(figs.send_rate)}/s; {figs.late_sends} sends >50 ms late)"
                if figs.send_rate
                else ""
            ),
        ],
        [
            "accepted (202/s)",
            f"{fmt_num(figs.accepted_rate)}  ({figs.accepted} accepted"
            + (f"; other answers {other}" if other else "")
            + ")",
        ],
        [
            "end-to-end (msg/s)",
            f"{fmt_num(figs.e2e_rate)}  ({figs.delivered} frames in "
            f"{figs.deliver_seconds:.1f} s; missing {figs.missing}, duplicates {figs.duplicates})",
        ],
        [
            "latency 202 -> frame",
            f"p50 {fmt_seconds(figs.p50)}   p99 {fmt_seconds(figs.p99)}   "
            f"max {fmt_seconds(figs.max)}"
            + (
                f"   ({figs.early_frames} frames came before their 202 was read: 0)"
                if figs.early_frames
                else ""
            ),
        ],
    ]
    if len(figs.timeline) > 1:
        worst = max(figs.timeline, key=lambda w: w["p99"])
        best = min(figs.timeline, key=lambda w: w["p99"])
        rows.append(
            [
                "by 10 s of accept time",
                f"worst p99 {fmt_seconds(worst['p99'])} (from +{worst['start']:.0f} s), "
                f"best p99 {fmt_seconds(best['p99'])} (from +{best['start']:.0f} s); all windows in --json",
            ]
        )
    lines = [f"== {title} ==", table(rows, left=True)]
    cpu = unit["cpu_ms"]
    cpu_rows = [[name, fmt_num(value, 2)] for name, value in cpu.items() if name not in NOT_OURS]
    cpu_rows.append(["= our services", fmt_num(unit["services_cpu_ms"], 2)])
    if "mongodb" in cpu:
        cpu_rows.append(["database (mongodb)", fmt_num(cpu["mongodb"], 2)])
    if "rabbitmq" in cpu:
        cpu_rows.append(["broker (rabbitmq, shared)", fmt_num(cpu["rabbitmq"], 2)])
    cpu_rows.append(["load generator (bench)", fmt_num(cpu.get("bench"), 2)])
    cpu_rows.append(["other processes on the machine", fmt_num(unit["other_processes_cpu_ms"], 2)])
    lines += ["", "CPU per accepted message (ms):", table(cpu_rows)]
    busy = unit["machine_busy_percent"]
    if busy is not None:
        lines.append(
            f"  (machine busy {busy:.0f}% of all cores over {cost.seconds:.1f} s, "
            f"including {settled:.1f} s of settling after the last frame)"
        )
    lines.append("")
    if unit["mongodb_commands"] is None:
        lines.append("MongoDB commands per message: n/a (no service exposes mongodb_commands_total)")
    else:
        per_service = ", ".join(f"{k} {v:.2f}" for k, v in unit["mongodb_commands_by_service"].items())
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(unit["mongodb_commands_by_name"].items())[:8])
        lines.append(f"MongoDB commands per message: {unit['mongodb_commands']:.2f}  ({per_service})")
        lines.append(f"  top commands per message: {top}")
    received, published = unit["bus_received"], unit["bus_published"]
    lines.append(
        f"Bus messages per message: handled {fmt_num(received, 2)}, published {fmt_num(published, 2)}"
        + (
            "  (handled: "
            + ", ".join(f"{k} {v:.2f}" for k, v in unit["bus_received_by_service"].items() if v)
            + ")"
            if unit["bus_received_by_service"]
            else ""
        )
    )
    return "\n".join(lines)


def short_text(title: str, figs: Figures) -> str:
    return (
        f"{title}: {figs.delivered} of {figs.accepted} accepted messages reached the agent "
        f"(accepted {fmt_num(figs.accepted_rate)}/s, end-to-end {fmt_num(figs.e2e_rate)}/s, "
        f"p50 {fmt_seconds(figs.p50)}, p99 {fmt_seconds(figs.p99)})"
    )


def baseline_text(items: list[Baseline]) -> str:
    rows = [[b.what, f"{b.rate:,.0f}/s", f"{b.count} in {b.seconds:.2f} s", b.detail] for b in items]
    return "== raw baselines (same broker and database server, before the load) ==\n" + table(rows)


def idle_text(cost: Cost) -> str:
    secs = max(cost.seconds, 1e-9)
    cpu = ", ".join(f"{k} {v / secs:.1f}" for k, v in cost.cpu_ms.items() if v is not None and k != "bench")
    commands = sum(sum(c.values()) for c in (cost.commands or {}).values()) / secs
    return (
        f"== idle background over {cost.seconds:.1f} s (subtract it mentally; it is in the run figures) ==\n"
        f"CPU ms per second: {cpu}\nMongoDB commands per second (all services): {commands:.1f}"
    )


def summary_text(runs: list[dict[str, Any]]) -> str:
    rows = []
    for run in runs:
        f, u = run["figures"], run["per_message"]
        rows.append(
            [
                run["title"],
                f["offered"],
                fmt_num(f["accepted_rate"]),
                fmt_num(f["e2e_rate"]),
                fmt_seconds(f["p50"]),
                fmt_seconds(f["p99"]),
                fmt_seconds(f["max"]),
                fmt_num(u["services_cpu_ms"], 2),
                fmt_num(u["cpu_ms"].get("mongodb"), 2),
                fmt_num(u["cpu_ms"].get("rabbitmq"), 2),
                fmt_num(u["mongodb_commands"], 2),
                fmt_num(u["bus_received"], 2),
                fmt_num(u["bus_published"], 2),
            ]
        )
    header = [
        "run",
        "offered",
        "accepted/s",
        "e2e/s",
        "p50",
        "p99",
        "max",
        "ours ms/msg",
        "db ms/msg",
        "broker ms/msg",
        "db cmds/msg",
        "bus in/msg",
        "bus out/msg",
    ]
    return "== summary ==\n" + table(rows, header)


def run_record(title: str, figs: Figures, cost: Cost, unit: dict[str, Any], settled: float) -> dict[str, Any]:
    return {
        "title": title,
        "figures": asdict(figs),
        "per_message": unit,
        "totals": asdict(cost),
        "settle_seconds": settled,
    }
