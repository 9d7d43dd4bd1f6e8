"""Pure rules of the exports: filters to a query, the CSV and JSONL rows, the times, the lifecycle."""

from __future__ import annotations

import csv
import io
import json
import marshal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from export.core.models import ChatRecord, MessageRecord
from export.core.stats import MessageStats
from export.core.text import field_values
from export.errors import ExportForbidden
from export.exports.rules import (
    CLOCK_MARGIN,
    CSV_COLUMNS,
    CSV_TAIL,
    JSONL_TAIL,
    cell,
    check_may_export,
    csv_cells,
    csv_header,
    csv_line,
    csv_row,
    deletions_since,
    export_out,
    export_query,
    filter_query,
    jsonl_head,
    jsonl_line,
    jsonl_messages,
    resolution_seconds,
    seconds,
    transcript_groups,
    visible_status,
)
from export.exports.schemas import ExportFilters, ExportJob
from livechat_shared.auth import Permission, Principal, Role
from pydantic import ValidationError

T0 = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
Match = Callable[[dict[str, Any], dict[str, Any]], bool]
MakeDoc = Callable[..., dict[str, Any]]


def doc(chat_id: str, **fields: Any) -> dict[str, Any]:
    """A stored chat as the read model holds it (only the fields the queries look at)."""
    base: dict[str, Any] = {
        "_id": chat_id,
        "workspace_id": "ws-1",
        "status": "open",
        "mode": "live",
        "tags": [],
        "team_ids": [],
        "assignee_id": None,
        "rating": None,
        "custom_fields": {},
        "created_at": T0,
        "terms": [],
        "message_terms": [],
        "version": 1,
    }
    chat = {**base, **fields}
    return {**chat, "custom_field_values": field_values(chat["custom_fields"])}


CHATS = [
    doc("a", status="open", tags=["vip"], team_ids=["t-1"], assignee_id="u-1", rating={"score": 5}),
    doc("b", status="resolved", tags=["vip", "refund"], team_ids=["t-2"], created_at=T0 + timedelta(days=1)),
    doc("c", status="closed", mode="ai", custom_fields={"priority": "high", "amount": 5, "urgent": True}),
    doc("d", status="pending", rating={"score": 2}, custom_fields={"priority": ""}, terms=["crepe", "d"]),
    doc("e", status="overdue", message_terms=["refund", "please"], created_at=T0 - timedelta(days=1)),
]


def selected(filters: dict[str, Any], match: Match) -> set[str]:
    query = filter_query(ExportFilters.model_validate(filters))
    return {c["_id"] for c in CHATS if match(c, query)}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"a", "b", "c", "d", "e"}),
        ({"status": ["open", "resolved"]}, {"a", "b"}),  # OR within a field
        ({"status": "closed"}, {"c"}),  # one value is a list of one
        ({"mode": ["ai"]}, {"c"}),
        ({"tag": ["refund"]}, {"b"}),
        ({"tag": ["none"]}, {"c", "d", "e"}),
        ({"tag": ["refund", "none"]}, {"b", "c", "d", "e"}),
        ({"tag": ["vip"], "status": ["resolved"]}, {"b"}),  # AND across fields
        ({"agent": ["u-1"]}, {"a"}),
        ({"agent": ["none"]}, {"b", "c", "d", "e"}),
        ({"team": ["t-1", "t-2"]}, {"a", "b"}),
        ({"team": ["none"]}, {"c", "d", "e"}),
        ({"csat": [5]}, {"a"}),
        ({"csat": ["none"]}, {"b", "c", "e"}),
        ({"csat": [2, "none"]}, {"b", "c", "d", "e"}),
        ({"created_from": "2025-03-14T12:00:00Z"}, {"a", "b", "c", "d"}),
        ({"created_to": "2025-03-14T12:00:00Z"}, {"a", "c", "d", "e"}),
        ({"created_from": "2025-03-14T12:00:00", "created_to": "2025-03-14T12:00:00Z"}, {"a", "c", "d"}),
        ({"cf.priority": ["high"]}, {"c"}),
        ({"cf.priority": [" HIGH "]}, {"c"}),  # text compared as the table does: case and spaces ignored
        ({"cf.priority": ["none"]}, {"a", "b", "d", "e"}),  # an empty text is no value
        ({"cf": {"amount": ["5"]}}, {"c"}),  # text from a query string matches the number
        ({"cf": {"amount": [5.0, "none"]}}, {"a", "b", "c", "d", "e"}),
        ({"cf.urgent": "true"}, {"c"}),
        ({"cf.priority": ["high"], "cf.amount": [6]}, set()),
        ({"q": "REF"}, {"e"}),  # a message's word, by prefix, case ignored
        ({"q": "crêpe"}, {"d"}),  # accents ignored
        ({"q": "ref plea"}, {"e"}),  # every word must be found
        ({"q": "ref nothing"}, set()),
        ({"q": "  "}, {"a", "b", "c", "d", "e"}),
    ],
)
def test_filters_select_the_chats_the_table_would(
    filters: dict[str, Any], expected: set[str], match: Match
) -> None:
    assert selected(filters, match) == expected


def test_an_export_holds_only_chats_with_a_snapshot_in_its_creators_scope(match: Match) -> None:
    job = ExportJob.model_validate(
        {
            "_id": "x-1",
            "workspace_id": "ws-1",
            "owner_id": "u-1",
            "role": "agent",
            "teams": ["t-9"],
            "format": "csv",
            "filters": {"status": ["open"]},
            "status": "queued",
            "created_at": T0,
        }
    )
    chats = [
        doc("mine", assignee_id="u-1"),
        doc("team", team_ids=["t-9"]),
        doc("held", team_ids=["t-9"], assignee_id="u-2"),
        doc("other", team_ids=["t-1"]),
        doc("stub", assignee_id="u-1", version=-1),
        {"_id": "gone", "workspace_id": "ws-1", "deleted": True},
        doc("elsewhere", workspace_id="ws-2", assignee_id="u-1"),
        doc("resolved", assignee_id="u-1", status="resolved"),
    ]
    assert {c["_id"] for c in chats if match(c, export_query(job))} == {"mine", "team"}


def test_filters_parse_single_values_custom_fields_and_refuse_the_unknown() -> None:
    filters = ExportFilters.model_validate(
        {"status": "open", "cf.priority": "high", "cf": {"size": [1, "none"]}}
    )
    assert filters.status == ["open"]
    assert filters.cf == {"size": [1, "none"], "priority": ["high"]}
    for bad in (
        {"colour": ["red"]},  # no such filter
        {"status": ["done"]},
        {"csat": [6]},
        {"cf.a.b": ["x"]},  # a key that would reach into another field
        {"cf.$where": ["x"]},
        {"created_from": "2025-03-15T00:00:00Z", "created_to": "2025-03-14T00:00:00Z"},
        {"tag": ["t"] * 51},
    ):
        with pytest.raises(ValidationError):
            ExportFilters.model_validate(bad)


def test_exporting_needs_the_export_permission() -> None:
    check_may_export(Principal(user_id="u", workspace_id="w", role=Role.SUPERVISOR))
    check_may_export(
        Principal(user_id="u", workspace_id="w", role=Role.AGENT, grants=frozenset({Permission.EXPORT}))
    )
    with pytest.raises(ExportForbidden):
        check_may_export(Principal(user_id="u", workspace_id="w", role=Role.AGENT))


def test_resolution_time_is_known_only_while_resolved_or_closed(make_chat_doc: MakeDoc) -> None:
    resolved = T0 + timedelta(hours=2, seconds=1.25)
    assert resolution_seconds(make_chat_doc(status="resolved", resolved_at=resolved)) == 7201.25
    assert resolution_seconds(make_chat_doc(status="closed", resolved_at=resolved)) == 7201.25
    assert resolution_seconds(make_chat_doc(status="open", resolved_at=None)) is None
    assert resolution_seconds(make_chat_doc(status="resolved", resolved_at=None)) is None
    assert (seconds(7201.25), seconds(3.0), seconds(0.0001), seconds(None)) == ("7201.25", "3", "0", "")


def test_a_csv_row_has_every_detail_in_its_column(make_chat_doc: MakeDoc) -> None:
    stats = MessageStats()
    stats.add("person", 1, T0)
    stats.add("agent", 2, T0 + timedelta(seconds=30))
    chat = make_chat_doc(
        status="resolved",
        description="Wants a refund, asap",
        assignee_id="u-1",
        team_ids=["t-1", "t-2"],
        tags=["vip", "refund"],
        custom_fields={
            "priority": "high",
            "amount": 12.5,
            "urgent": False,
            "choices": ["a", "b"],
            "note": "",
        },
        rating={"score": 4, "comment": '=HYPERLINK("x")', "at": "2025-03-14T15:00:00+00:00"},
        last_message_at=T0 + timedelta(minutes=5),
        updated_at=T0 + timedelta(hours=1),
        resolved_at=T0 + timedelta(hours=1),
        stats=stats.to_doc(),
    )
    cells = csv_cells(chat, "Sam")
    assert sorted(cells[1]) == ["amount", "choices", "priority", "urgent"]  # the fields with a value
    keys = ["amount", "choices", "missing", "priority", "urgent"]
    header = csv_header(keys)
    assert header == [
        *CSV_COLUMNS,
        "cf.amount",
        "cf.choices",
        "cf.missing",
        "cf.priority",
        "cf.urgent",
        *CSV_TAIL,
    ]
    text = csv_line(header) + csv_row(cells, keys)
    assert text.endswith("\r\n") and text.count("\r\n") == 2
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert row == {
        "id": "chat-1",
        "app_id": "app-1",
        "app_name": "Support",
        "channel": "webchat",
        "teamspace_id": "ts-1",
        "status": "resolved",
        "mode": "live",
        "description": "Wants a refund, asap",
        "person_id": "p-1",
        "person_name": "Ann",
        "created_at": "2025-03-14T12:00:00Z",
        "updated_at": "2025-03-14T13:00:00Z",
        "last_message_at": "2025-03-14T12:05:00Z",
        "assignee_id": "u-1",
        "assignee_name": "Sam",
        "team_ids": "t-1;t-2",
        "tags": "vip;refund",
        "cf.amount": "12.5",
        "cf.choices": "a;b",
        "cf.missing": "",
        "cf.priority": "high",
        "cf.urgent": "false",
        "rating_score": "4",
        "rating_comment": '\'=HYPERLINK("x")',  # never run as a formula by a spreadsheet
        "rating_at": "2025-03-14T15:00:00Z",
        "messages_total": "2",
        "messages_person": "1",
        "messages_agents": "1",
        "messages_ai": "0",
        "first_response_seconds": "30",
        "resolution_seconds": "3600",
    }
    # the line is what the csv module writes (commas and quotes included)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, list(row.values())])
    assert buffer.getvalue() == text
    # the cells survive the spool (marshal) unchanged
    assert marshal.loads(marshal.dumps([cells])) == [cells]
    assert csv_row(cells, []) == csv_line([v for k, v in row.items() if not k.startswith("cf.")])


def test_a_chat_without_messages_or_fields_has_empty_cells(make_chat_doc: MakeDoc) -> None:
    chat = make_chat_doc()
    chat.pop("rating")
    text = csv_line(csv_header([])) + csv_row(csv_cells(chat, None), [])
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert (row["messages_total"], row["messages_person"], row["first_response_seconds"]) == ("0", "0", "")
    assert (row["assignee_name"], row["rating_score"], row["tags"], row["last_message_at"]) == (
        "",
        "",
        "",
        "",
    )


@pytest.mark.parametrize(
    "cells",
    [
        ["plain", "", "with, comma", 'say "hi"', "two\nlines", "cr\ronly", "'=1+1", " spaced ", "é ü"],
        ["", ""],
        ['"', ",", "\r\n"],
    ],
)
def test_a_csv_line_is_what_the_csv_module_writes(cells: list[str]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    assert csv_line(cells) == buffer.getvalue()
    assert next(csv.reader(io.StringIO(csv_line(cells), newline=""))) == cells


def test_cells_that_a_spreadsheet_would_run_are_defused() -> None:
    assert [cell(v) for v in ("=1+1", "+1", "-x", "@SUM(A1)", "plain", -3, None, True)] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@SUM(A1)",
        "plain",
        "-3",
        "",
        "true",
    ]


def test_a_jsonl_line_is_the_chat_and_its_messages(make_chat_doc: MakeDoc, make_message_doc: MakeDoc) -> None:
    chat = make_chat_doc(stats={"total": 2}, resolved_at=None)
    messages = [make_message_doc(1, "person", T0, "hi"), make_message_doc(2, "ai", T0, "hello")]
    line = jsonl_line(chat, messages)
    assert line.endswith(b"\n") and b"\n" not in line[:-1]
    parsed = json.loads(line)
    assert parsed["chat"] == ChatRecord.model_validate(make_chat_doc()).snapshot().model_dump(mode="json")
    assert [(m["seq"], m["author"]["type"], m["text"]) for m in parsed["messages"]] == [
        (1, "person", "hi"),
        (2, "ai", "hello"),
    ]
    assert parsed["messages"][0] == MessageRecord.model_validate(messages[0]).view().model_dump(mode="json")
    assert json.loads(jsonl_line(make_chat_doc(), []))["messages"] == []
    # a long chat's line, written a part at a time, reads the same
    parts = (
        jsonl_messages(messages[:1], True) + jsonl_messages([], False) + jsonl_messages(messages[1:], False)
    )
    assert json.loads(jsonl_head(make_chat_doc()) + parts + JSONL_TAIL) == parsed
    assert json.loads(jsonl_head(make_chat_doc()) + JSONL_TAIL)["messages"] == []


def test_transcripts_are_read_for_groups_of_chats_and_long_chats_alone(make_chat_doc: MakeDoc) -> None:
    def chat(name: str, messages: int) -> dict[str, Any]:
        return make_chat_doc(_id=name, stats={"total": messages})

    chats = [chat("a", 3), chat("b", 4), chat("c", 0), chat("long", 50), chat("d", 5), chat("e", 1)]
    groups = transcript_groups(chats, max_chats=3, max_messages=8)
    assert [[(c["_id"], long) for c, long in g] for g in groups] == [
        [("a", False), ("b", False), ("c", False)],  # three chats at most
        [("long", True), ("d", False), ("e", False)],  # a long chat counts no message in its group
    ]
    groups = transcript_groups(chats, max_chats=10, max_messages=8)
    assert [[c["_id"] for c, _ in g] for g in groups] == [["a", "b", "c", "long"], ["d", "e"]]
    assert transcript_groups([], 3, 8) == []
    no_stats = make_chat_doc(_id="legacy")
    assert transcript_groups([no_stats], 3, 8) == [[(no_stats, False)]]


def test_an_exports_state_as_its_creator_sees_it() -> None:
    job = ExportJob.model_validate(
        {
            "_id": "x-1",
            "workspace_id": "ws-1",
            "owner_id": "u-1",
            "role": "admin",
            "format": "jsonl",
            "filters": {},
            "status": "running",
            "rows": 30,
            "total": 120,
            "created_at": T0,
        }
    )
    running = export_out(job, T0)
    assert (running.status, running.progress, running.rows, running.total) == ("running", 0.25, 30, 120)
    done = job.model_copy(update={"status": "done", "rows": 121, "expires_at": T0 + timedelta(hours=24)})
    assert export_out(done, T0).progress == 1.0
    assert visible_status(done, T0 + timedelta(hours=23)) == "done"
    assert visible_status(done, T0 + timedelta(hours=24)) == "expired"
    empty = job.model_copy(update={"total": 0, "rows": 0})
    assert export_out(empty, T0).progress == 0.0
    reading = job.model_copy(update={"total": None, "rows": 500})  # the total is known at the end
    assert (export_out(reading, T0).progress, export_out(reading, T0).total) == (0.0, None)


def test_deletions_concern_an_export_from_a_little_before_it_started() -> None:
    job = ExportJob.model_validate(
        {
            "_id": "x-1",
            "workspace_id": "ws-1",
            "owner_id": "u-1",
            "role": "admin",
            "format": "csv",
            "filters": {},
            "status": "running",
            "created_at": T0,
            "started_at": T0 + timedelta(hours=1),
        }
    )
    assert deletions_since(job) == T0 + timedelta(hours=1) - CLOCK_MARGIN
    assert deletions_since(job.model_copy(update={"started_at": None})) == T0 - CLOCK_MARGIN
