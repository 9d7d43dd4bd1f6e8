"""The realtime bench's pure parts: the split of sockets over replicas, reading a frame's head, the
figures over the per-change samples and the report text (no stack needed)."""

from __future__ import annotations

import json

import pytest

from bench.realtime.__main__ import parse_args
from bench.realtime.figures import (
    Change,
    Spread,
    change_rows,
    cpu_figures,
    frame_head,
    replica_of,
    report_text,
    split,
    summarize,
)


def test_split_is_even_and_the_first_replicas_take_the_remainder() -> None:
    assert split(1000, 2) == [500, 500]
    assert split(5, 3) == [2, 2, 1]
    assert split(1, 2) == [1, 0]
    assert split(7, 1) == [7]
    assert split(0, 2) == [0, 0]
    for sockets in range(0, 40):
        for replicas in range(1, 6):
            counts = split(sockets, replicas)
            assert sum(counts) == sockets and max(counts) - min(counts) <= 1
    with pytest.raises(ValueError):
        split(10, 0)
    with pytest.raises(ValueError):
        split(-1, 2)


def test_replica_of_is_round_robin_with_the_split_counts() -> None:
    assert replica_of(5, 2) == [0, 1, 0, 1, 0]
    assert replica_of(3, 1) == [0, 0, 0]
    for sockets, replicas in ((1000, 2), (7, 3), (2, 4)):
        owners = replica_of(sockets, replicas)
        assert [owners.count(r) for r in range(replicas)] == split(sockets, replicas)


def test_frame_head_reads_the_inbox_frame_without_its_data() -> None:
    # As the inbox writes it (starlette's send_json: compact separators, keys in this order).
    frame = {"type": "chat.changed", "chat_id": "01ABC", "version": 42, "data": {"version": 7, "x": "\\"}}
    raw = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
    assert frame_head(raw) == ("chat.changed", "01ABC", 42)
    assert frame_head(raw.encode()) == ("chat.changed", "01ABC", 42)  # a binary frame
    spaced = json.dumps(frame)  # default separators
    assert frame_head(spaced) == ("chat.changed", "01ABC", 42)
    removed = {"type": "chat.removed", "chat_id": "01ABC", "version": 3, "data": None}
    assert frame_head(json.dumps(removed, separators=(",", ":"))) == ("chat.removed", "01ABC", 3)


def test_frame_head_falls_back_to_decoding_other_shapes() -> None:
    reordered = json.dumps({"version": 5, "data": {}, "chat_id": "c1", "type": "chat.changed"})
    assert frame_head(reordered) == ("chat.changed", "c1", 5)
    escaped = json.dumps({"type": "chat.changed", "chat_id": 'c"1', "version": 6, "data": {}})
    assert frame_head(escaped) == ("chat.changed", 'c"1', 6)
    assert frame_head('{"type":"hello"}') == ("hello", None, None)
    assert frame_head('{"type":"chat.changed","chat_id":"c","version":true}') == ("chat.changed", "c", None)
    assert frame_head("[1, 2]") == (None, None, None)
    assert frame_head("not json") == (None, None, None)


def change(index: int, delays: list[float | None], *, patch: float = 0.01, version: int = 0) -> Change:
    return Change(
        index=index, version=version or index + 10, replica=index % 2, patch_seconds=patch, delays=delays
    )


def test_change_first_last_and_missing() -> None:
    full = change(0, [0.03, 0.05, 0.04])
    assert (full.first, full.last, full.missing) == (0.03, 0.05, 0)
    partial = change(1, [0.03, None, 0.04])
    assert partial.last is None and partial.first == 0.03 and partial.missing == 1
    assert partial.delivered == [0.03, 0.04]


def test_summarize_percentiles_over_sockets_and_changes() -> None:
    owners = replica_of(4, 2)  # sockets 0 and 2 on replica 0; 1 and 3 on replica 1
    changes = [
        change(0, [0.010, 0.020, 0.030, 0.040], patch=0.005),
        change(1, [0.050, 0.060, 0.070, 0.080], patch=0.007),
        change(2, [0.015, 0.300, 0.025, 0.035], patch=0.006),
    ]
    s = summarize(changes, owners)
    assert (s.sockets, s.by_replica, s.changes, s.expected) == (4, [2, 2], 3, 12)
    assert (s.delivered, s.missing, s.duplicates, s.incomplete) == (12, 0, 0, 0)
    # 12 per-socket samples, nearest rank: p50 = the 6th smallest, p99 = the largest.
    assert s.per_socket == Spread(12, 0.035, 0.300, 0.300)
    # Per change, the last socket: 0.040, 0.080, 0.300.
    assert s.last_socket == Spread(3, 0.080, 0.300, 0.300)
    assert s.first_socket == Spread(3, 0.015, 0.050, 0.050)
    assert s.fan_out.count == 3 and s.fan_out.max == pytest.approx(0.285)
    assert s.patch == Spread(3, 0.006, 0.007, 0.007)
    # Replica 0 (sockets 0, 2): 0.030, 0.070, 0.025; replica 1 (sockets 1, 3): 0.040, 0.080, 0.300.
    assert s.last_by_replica[0] == Spread(3, 0.030, 0.070, 0.070)
    assert s.last_by_replica[1] == Spread(3, 0.080, 0.300, 0.300)
    assert s.ok and not s.goal_met  # the worst change took 300 ms


def test_summarize_counts_missing_and_duplicates_and_leaves_incomplete_changes_out_of_last() -> None:
    owners = replica_of(3, 1)
    changes = [change(0, [0.01, 0.02, 0.03]), change(1, [0.01, None, 0.02])]
    changes[0].duplicates = 2
    changes[1].late = 1
    s = summarize(changes, owners)
    assert (s.delivered, s.missing, s.duplicates, s.late, s.incomplete) == (5, 1, 2, 1, 1)
    assert s.last_socket == Spread(1, 0.03, 0.03, 0.03)  # only the complete change
    assert s.last_by_replica[0].count == 1
    assert not s.ok and not s.goal_met
    assert summarize([], owners).last_socket == Spread(0, None, None, None)
    assert not summarize([], owners).ok


def test_goal_is_p99_of_the_last_socket_within_200_ms() -> None:
    owners = replica_of(2, 2)
    fast = summarize([change(i, [0.05, 0.2]) for i in range(30)], owners)
    assert fast.goal_met
    slow = summarize([change(i, [0.05, 0.2]) for i in range(29)] + [change(29, [0.05, 0.201])], owners)
    assert not slow.goal_met  # with 30 changes the p99 (nearest rank) is the worst one


def test_cpu_figures_per_frame_and_per_change() -> None:
    cpu = cpu_figures(
        {"inbox": 600.0, "inbox#2": 400.0, "ingest": 30.0, "bench": 90.0, "rabbitmq": None},
        seconds=2.0,
        frames=10_000,
        changes=10,
        idle_ms_per_second={"inbox": 10.0, "inbox#2": 15.0, "ingest": 5.0},
        machine_busy_ms=1500.0,
        machine_total_ms=4000.0,
    )
    assert cpu["inbox_ms"] == 1000.0 and cpu["inbox_ms_by_replica"] == {"inbox": 600.0, "inbox#2": 400.0}
    assert cpu["inbox_ms_per_frame"] == pytest.approx(0.1)
    assert cpu["inbox_ms_per_change"] == pytest.approx(100.0)
    assert cpu["inbox_idle_ms"] == pytest.approx(50.0)  # (10 + 15) ms/s x 2 s; ingest's is not the inbox's
    assert cpu["inbox_net_ms_per_frame"] == pytest.approx(0.095)
    assert cpu["inbox_net_ms_per_change"] == pytest.approx(95.0)
    assert cpu["others_ms_per_change"] == {"ingest": 3.0, "bench": 9.0}
    assert cpu["machine_busy_percent"] == pytest.approx(37.5)
    assert cpu["outside_ms"] == pytest.approx(1500.0 - 1120.0)
    assert cpu["outside_cores"] == pytest.approx(0.19)


def test_cpu_figures_without_readings() -> None:
    cpu = cpu_figures({"inbox": None}, seconds=1.0, frames=0, changes=0)
    assert (
        cpu["inbox_ms"] is None
        and cpu["inbox_ms_per_frame"] is None
        and cpu["inbox_net_ms_per_frame"] is None
    )
    assert cpu["machine_busy_percent"] is None and cpu["outside_ms"] is None


def test_report_text_shows_the_headline_and_the_counts() -> None:
    owners = replica_of(4, 2)
    changes = [change(i, [0.040, 0.050, 0.060, 0.070 + i / 1000]) for i in range(3)]
    summary = summarize(changes, owners)
    cpu = cpu_figures(
        {"inbox": 60.0, "inbox#2": 60.0, "bench": 3.0},
        seconds=1.0,
        frames=summary.delivered,
        changes=3,
        idle_ms_per_second={"inbox": 1.0, "inbox#2": 1.0},
        machine_busy_ms=400.0,
        machine_total_ms=2000.0,
    )
    text = report_text(summary, cpu)
    assert "sockets                  4 (2 + 2 over 2 inbox replicas)" in text
    assert "12 of 12 delivered; missing 0, duplicates 0" in text
    assert "LAST socket per change   p50 71.0 ms   p99 72.0 ms   max 72.0 ms" in text
    assert "goal p99 <= 200 ms: met" in text
    assert "last socket of inbox #2  p50 71.0 ms" in text
    assert "per delivered frame: 10.000 ms (net of idle 9.833 ms)" in text
    assert "per change: 40.0 ms (net of idle 39.3 ms)" in text
    assert "bench 1.0" in text and "machine busy 20%" in text
    assert report_text(summary).count("\n") < text.count("\n")  # without CPU: the latency table only


def test_report_text_says_incomplete_when_frames_are_missing() -> None:
    summary = summarize([change(0, [0.04, None])], replica_of(2, 2))
    text = report_text(summary)
    assert "INCOMPLETE" in text and "missing 1" in text and "1 changes incomplete" in text
    assert "goal p99" not in text


def test_change_rows_for_json() -> None:
    rows = change_rows([change(0, [0.02, 0.04, None], patch=0.012, version=7)])
    assert rows == [
        {
            "index": 0,
            "at_s": 0.0,
            "version": 7,
            "replica": 0,
            "patch_ms": pytest.approx(12.0),
            "first_ms": pytest.approx(20.0),
            "p50_ms": pytest.approx(20.0),
            "last_ms": None,
            "missing": 1,
            "duplicates": 0,
            "late": 0,
        }
    ]


def test_options_default_to_the_documented_run() -> None:
    args = parse_args([])
    assert (args.sockets, args.inbox_replicas, args.changes, args.json) == (1000, 2, 30, None)
    assert parse_args(["--json"]).json == "-"
    assert parse_args(["--json", "out.json"]).json == "out.json"
    with pytest.raises(SystemExit):
        parse_args(["--sockets", "0"])
    with pytest.raises(SystemExit):
        parse_args(["--amqp-url", "amqp://guest:guest@10.0.0.5:5672/"])
