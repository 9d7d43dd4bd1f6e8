"""The export bench's pure parts: the seed (the documents the projection stores), counting what an
export file holds, the figures, the goal's verdict and the report (no database needed)."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import timedelta

import pytest
from export.core.stats import MessageStats
from export.exports.rules import csv_cells, csv_header, csv_line, csv_row, jsonl_line

from bench.export.__main__ import parse_args
from bench.export.figures import (
    GOAL_RATIO,
    Step,
    busy_seconds,
    cpu_seconds,
    csv_totals,
    jsonl_totals,
    peak_rss_mb,
    ratio,
    report_text,
    verdict,
)
from bench.export.seed import START, WORKSPACE, Seeded, authors, chat_and_messages, message_counts, workspace


def test_message_counts_add_up_to_the_total_asked_for() -> None:
    rng = random.Random(1)
    for chats, per_chat in ((1, 10), (2, 10), (1001, 10), (500, 1), (10, 3)):
        counts = message_counts(chats, per_chat, rng)
        assert len(counts) == chats and sum(counts) == chats * per_chat
        assert min(counts) >= 1 and max(counts) <= max(1, 2 * per_chat - 1)


def test_authors_start_with_the_ai_or_the_person_and_are_as_many_as_asked() -> None:
    rng = random.Random(2)
    for count in (1, 2, 7, 30):
        for mode in ("ai", "live"):
            kinds = authors(count, mode, rng)
            assert len(kinds) == count and kinds[0] in ("ai", "person")
            assert set(kinds) <= {"person", "agent", "ai", "system"}


def test_a_seeded_chat_is_what_the_projection_stores() -> None:
    chat, messages = chat_and_messages(12, random.Random(3))
    assert chat["workspace_id"] == WORKSPACE and chat["version"] >= 0 and "id" not in chat
    assert {m["chat_id"] for m in messages} == {chat["_id"]}
    assert [m["seq"] for m in messages] == list(range(1, 13))
    assert all(m["workspace_id"] == WORKSPACE and "order" in m for m in messages)
    stats = MessageStats()
    for m in sorted(messages, key=lambda m: m["seq"]):
        stats.add(m["author"]["type"], m["seq"], m["created_at"])
    assert chat["stats"] == stats.to_doc() and chat["stats"]["total"] == 12
    assert set(chat["message_terms"]) and chat["terms"] and chat["created_at"] >= START
    assert chat["custom_field_keys"] == sorted(
        k for k, v in chat["custom_fields"].items() if v not in (None, "")
    )
    # an export reads it: a CSV row that reads back, and a JSONL line with every message
    cells = csv_cells(dict(chat), None)
    keys = sorted(cells[1])
    text = csv_line(csv_header(keys)) + csv_row(cells, keys)
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert (row["id"], row["messages_total"]) == (chat["_id"], "12")
    line = json.loads(jsonl_line(dict(chat), [dict(m) for m in messages]))
    assert line["chat"]["id"] == chat["_id"] and len(line["messages"]) == 12


def test_the_seed_is_the_same_every_time() -> None:
    first = [(c["_id"], len(m)) for c, m in workspace(20, 5, seed=9)]
    assert first == [(c["_id"], len(m)) for c, m in workspace(20, 5, seed=9)]
    assert sum(n for _, n in first) == 100 and len({c for c, _ in first}) == 20


def test_the_newest_chats_are_selected_by_their_creation_time() -> None:
    seeded = Seeded()
    for n, count in enumerate((3, 1, 4, 1, 5)):
        seeded.add({"created_at": START + timedelta(days=n), "custom_field_keys": ["k"] if n else []}, count)
    assert (seeded.chats, seeded.messages, seeded.field_keys) == (5, 14, {"k"})
    since = seeded.created_from_for(2)
    assert since == START + timedelta(days=3)
    assert seeded.since(since) == (2, 6)
    assert seeded.since(seeded.created_from_for(99)) == (5, 14)


def test_proc_readings() -> None:
    status = "Name:\tpython\nVmPeak:\t  300000 kB\nVmHWM:\t  102400 kB\nVmRSS:\t   90000 kB\n"
    assert peak_rss_mb(status) == 100.0
    with pytest.raises(ValueError):
        peak_rss_mb("Name: x\n")
    stat = "1234 (python -m x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0"
    assert cpu_seconds(stat) == 3.0
    before = "cpu  100 0 100 1000 50 0 0 0 0 0"
    after = "cpu  250 0 150 1500 60 0 0 0 0 0"
    assert busy_seconds(before, after) == 2.0  # idle and iowait are not busy


def test_what_a_csv_file_holds_is_counted_row_by_row() -> None:
    text = 'id,notes,messages_total\r\nc1,"two\r\nlines, and ""quotes""",3\r\nc2,,4\r\nc2,,0\r\n'
    held = csv_totals(text)
    assert (held.rows, held.messages, held.ids, held.header) == (3, 7, 2, ["id", "notes", "messages_total"])
    with pytest.raises(ValueError):
        csv_totals("id,messages_total\r\nc1\r\n")
    assert jsonl_totals([b'{"chat": {}, "messages": [1, 2]}', b"", b'{"chat": {}, "messages": []}']) == (2, 2)


def test_the_goal_is_the_share_of_the_best_raw_read_and_the_memory() -> None:
    raw, again = Step("raw", 10_000, 1.0), Step("raw", 10_000, 1.25)
    export = Step("CSV export", 10_000, 1.4, peak_mb=120.0)
    assert ratio(export.rate, [raw.rate, again.rate]) == pytest.approx(1 / 1.4)
    assert ratio(1.0, []) is None
    met = verdict(export, [raw.rate, again.rate])
    assert met["met"] and met["ratio_to_raw"] == 0.714 and met["goal_ratio"] == GOAL_RATIO
    slow = verdict(Step("CSV export", 10_000, 1.5, peak_mb=120.0), [raw.rate])
    assert not slow["met"] and not slow["fast_enough"] and slow["small_enough"]
    big = verdict(Step("CSV export", 10_000, 1.0, peak_mb=250.0), [raw.rate])
    assert not big["met"] and big["fast_enough"] and not big["small_enough"]

    steps = {
        "raw": raw,
        "csv": export,
        "raw_messages": Step("raw read of messages", 0, 2.0, messages=100_000, db_cpu=1.5, other_cpu=-0.01),
    }
    text = report_text(steps, met, "the embedded server")
    assert "database: the embedded server" in text and "goal met" in text
    assert "50,000" in text  # messages/s of the raw read of messages
    assert "-0.0" not in text  # a reading a tick off is shown as 0
    assert steps["csv"].record()["rows_per_second"] == 7142.9


def test_the_defaults_are_the_issues_workspace() -> None:
    args = parse_args([])
    assert (args.chats, args.messages_per_chat, args.jsonl_chats) == (100_000, 10, 10_000)
    assert args.json is None and not args.no_raw_messages
