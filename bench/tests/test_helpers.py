"""The bench's pure helpers: percentiles, Prometheus text, /proc parsing (no stack needed)."""

from __future__ import annotations

import pytest

from bench.pipeline.helpers import (
    is_local,
    metric_by_label,
    metric_sum,
    parse_cpu_line,
    parse_listening_inodes,
    parse_metrics,
    parse_proc_stat,
    percentile,
    tree_ticks,
    windows,
)
from bench.pipeline.load import TAG


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2  # unsorted input; the lower middle
    assert percentile([7.0], 99) == 7
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0], 0.001) == 1
    with pytest.raises(ValueError):
        percentile([1.0], 0)


METRICS = """\
# HELP mongodb_commands_total MongoDB commands sent, by command name
# TYPE mongodb_commands_total counter
mongodb_commands_total{command="insert"} 12.0
mongodb_commands_total{command="find"} 30.0
mongodb_commands_created{command="find"} 1.7e+09
# TYPE livechat_bus_handled_messages_total counter
livechat_bus_handled_messages_total{outcome="ack",queue="q.a"} 5.0
livechat_bus_handled_messages_total{outcome="ack",queue="q,b}"} 2.0
livechat_bus_published_messages_total{outcome="ok",routing_key="x.y"} 3.0 1700000000000
http_requests_total{route="/a \\"quoted\\"",service="inbox"} 1
process_open_fds 9.0
garbage line without a value
"""


def test_parse_metrics() -> None:
    samples = parse_metrics(METRICS)
    assert metric_by_label(samples, "mongodb_commands_total", "command") == {"insert": 12.0, "find": 30.0}
    assert metric_sum(samples, "mongodb_commands_total") == 42.0
    assert metric_sum(samples, "livechat_bus_handled_messages_total") == 7.0  # "," and "}" in a value
    assert metric_sum(samples, "livechat_bus_published_messages_total") == 3.0  # timestamp ignored
    assert metric_sum(samples, "process_open_fds") == 9.0
    assert metric_sum(samples, "missing_total") == 0.0
    quoted = next(s for s in samples if s.name == "http_requests_total")
    assert quoted.label("route") == '/a "quoted"' and quoted.label("service") == "inbox"
    assert not any(s.name == "garbage" for s in samples)


def test_parse_proc_stat_counts_fields_after_the_command() -> None:
    # comm with spaces and parentheses; utime = field 14 (1234), stime = field 15 (567)
    text = "4242 (livechat (x) y) S 17 4242 4242 0 -1 4194560 100 0 0 0 1234 567 8 9 20 0 5 0 99 0 0\n"
    stat = parse_proc_stat(text)
    assert (stat.pid, stat.ppid, stat.utime, stat.stime, stat.ticks) == (4242, 17, 1234, 567, 1801)


def test_tree_ticks_sums_descendants() -> None:
    def line(pid: int, ppid: int, utime: int, stime: int) -> str:
        return f"{pid} (p) S {ppid} 0 0 0 -1 0 0 0 0 0 {utime} {stime} 0 0 20 0 1 0 0 0 0"

    stats = {
        s.pid: s for s in map(parse_proc_stat, [line(10, 1, 5, 5), line(11, 10, 2, 1), line(12, 11, 1, 0)])
    }
    stats |= {s.pid: s for s in [parse_proc_stat(line(20, 1, 100, 100))]}
    assert tree_ticks(10, stats) == 14
    assert tree_ticks(11, stats) == 4
    assert tree_ticks(99, stats) is None


def test_parse_cpu_line() -> None:
    text = "cpu  100 5 50 800 20 3 2 0 7 0\ncpu0 50 2 25 400 10 1 1 0 0 0\n"
    busy, total = parse_cpu_line(text)
    assert total == 100 + 5 + 50 + 800 + 20 + 3 + 2 + 0  # guest time is inside user already
    assert busy == total - 800 - 20


def test_parse_listening_inodes() -> None:
    text = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 55501 1\n"
        "   1: 0100007F:1F92 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000 0 55502 1\n"
        "   2: 0100007F:1F93 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 55503 1\n"
    )
    assert parse_listening_inodes(text, 8082) == {55501}  # 0x1F92; the established socket is not it
    assert parse_listening_inodes(text, 9999) == set()


def test_only_loopback_is_local() -> None:
    assert is_local("http://127.0.0.1:8081")
    assert is_local("amqp://guest:guest@localhost:5672/")
    assert is_local("mongodb://127.0.0.1:27017/?retryWrites=false")
    assert not is_local("http://10.0.0.5:8081")
    assert not is_local("mongodb://127.0.0.1:1,db.example.com:2/")


def test_tag_matches_the_sent_text() -> None:
    text = "[bench:0a1b2c:run1:1234] hello from visitor 3"
    match = TAG.search(text)
    assert match is not None and match.group(0) == "[bench:0a1b2c:run1:1234]"


def test_windows_group_latencies_by_time() -> None:
    points = [(0.5, 0.1), (9.9, 0.3), (10.0, 2.0), (25.0, 0.2), (-0.1, 0.05)]
    out = windows(points, 10.0)
    assert [w["start"] for w in out] == [0.0, 10.0, 20.0]  # no empty window; a negative time is 0
    assert out[0] == {"start": 0.0, "count": 3.0, "p50": 0.1, "p99": 0.3, "max": 0.3}
    assert out[1]["max"] == 2.0 and out[2]["count"] == 1.0
    assert windows([], 10.0) == []
