"""Reading the chat table's query parameters: every filter, ``none``, repeats, dates, sort and pages,
and a clear refusal for each bad value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from inbox.errors import InvalidFilter, InvalidPage, InvalidSort
from inbox.search.rules import parse_table_query
from inbox.search.schemas import TableQuery
from livechat_shared.errors import DomainError


def parse(*params: tuple[str, str]) -> TableQuery:
    return parse_table_query(params)


def test_no_parameters_is_every_chat_newest_first() -> None:
    query = parse()
    assert query == TableQuery()
    assert (query.sort, query.descending, query.page, query.page_size, query.skip) == (
        "created_at",
        True,
        1,
        50,
        0,
    )


def test_each_filter_with_several_values_and_none() -> None:
    query = parse(
        ("status", "open"),
        ("status", "pending"),
        ("status", "open"),  # a repeat counts once
        ("mode", "live"),
        ("tag", "t-1"),
        ("tag", "none"),
        ("tag_group", "g-1"),
        ("agent", "none"),
        ("team", "team-1"),
        ("csat", "5"),
        ("csat", "none"),
        ("cf.plan", "Gold"),
        ("cf.plan", "none"),
        ("cf.seats", "5"),
        ("unknown", "ignored"),
    )
    assert query.status == ["open", "pending"]
    assert query.mode == ["live"]
    assert query.tag == ["t-1", None]
    assert query.tag_group == ["g-1"]
    assert query.agent == [None]
    assert query.team == ["team-1"]
    assert query.csat == [5, None]
    assert query.custom_fields == {"plan": ["Gold", None], "seats": ["5"]}


def test_keywords_are_normalised_words() -> None:
    assert parse(("q", "  Café REFU ")).words == ["cafe", "refu"]
    assert parse(("q", "refund"), ("q", "Refund order")).words == ["refund", "order"]
    assert parse(("q", "r")).words == ["r"]  # one letter: a prefix like any other
    assert parse(("q", "")).words == []
    assert parse(("q", "?!")).words == []


def test_dates_and_times_bound_the_creation_time() -> None:
    query = parse(
        ("created_from", "2026-01-05"),
        ("created_to", "2026-01-06"),
        ("created_to", "2026-02-01T10:00:00.123456+02:00"),
        ("created_from", "none"),
    )
    assert query.created_from == [datetime(2026, 1, 5, tzinfo=UTC), None]
    assert query.created_before == [
        datetime(2026, 1, 7, tzinfo=UTC),  # the whole day
        datetime(2026, 2, 1, 8, 0, 0, 124000, tzinfo=UTC),  # just after, to the millisecond
    ]
    assert parse(("created_from", "2026-01-05T10:00:00")).created_from == [
        datetime(2026, 1, 5, 10, tzinfo=UTC)
    ]


@pytest.mark.parametrize(
    ("sort", "field", "descending"),
    [
        ("created_at", "created_at", False),
        ("-created_at", "created_at", True),
        ("updated_at", "updated_at", False),
        ("-updated_at", "updated_at", True),
        ("last_message_at", "last_message_at", False),
        ("-last_message_at", "last_message_at", True),
    ],
)
def test_sorts(sort: str, field: str, descending: bool) -> None:
    query = parse(("sort", sort))
    assert (query.sort, query.descending) == (field, descending)


def test_pages() -> None:
    query = parse(("page", "3"), ("page_size", "200"))
    assert (query.page, query.page_size, query.skip) == (3, 200, 400)
    assert parse(("page", "100000")).page == 100_000


@pytest.mark.parametrize(
    ("params", "error", "param"),
    [
        ([("status", "bogus")], InvalidFilter, "status"),
        ([("status", "Open")], InvalidFilter, "status"),
        ([("mode", "human")], InvalidFilter, "mode"),
        ([("csat", "0")], InvalidFilter, "csat"),
        ([("csat", "6")], InvalidFilter, "csat"),
        ([("csat", "4.5")], InvalidFilter, "csat"),
        ([("created_from", "yesterday")], InvalidFilter, "created_from"),
        ([("created_to", "2026-13-01")], InvalidFilter, "created_to"),
        ([("created_to", "9999-12-31")], InvalidFilter, "created_to"),
        ([("created_from", "0001-01-01T00:00:00+14:00")], InvalidFilter, "created_from"),
        ([("tag", "")], InvalidFilter, "tag"),
        ([("agent", "x" * 65)], InvalidFilter, "agent"),
        ([("team", "a\x00b")], InvalidFilter, "team"),
        ([("tag", f"t{n}") for n in range(51)], InvalidFilter, "tag"),
        ([("cf.Plan", "x")], InvalidFilter, "cf"),
        ([("cf.", "x")], InvalidFilter, "cf"),
        ([(f"cf.f{n}", "x") for n in range(11)], InvalidFilter, "cf"),
        ([("cf.plan", " ")], InvalidFilter, "cf.plan"),
        ([("q", "x" * 201)], InvalidFilter, "q"),
        ([("q", "a b c d e f g h i")], InvalidFilter, "q"),
        ([("sort", "name")], InvalidSort, None),
        ([("sort", "-created_at"), ("sort", "updated_at")], InvalidSort, None),
        ([("page", "0")], InvalidPage, None),
        ([("page", "100001")], InvalidPage, None),
        ([("page", "4611686018427387904")], InvalidPage, None),
        ([("page", "two")], InvalidPage, None),
        ([("page", "-1")], InvalidPage, None),
        ([("page_size", "201")], InvalidPage, None),
        ([("page_size", "0")], InvalidPage, None),
        ([("page_size", "\u0661\u0660")], InvalidPage, None),  # digits, but not ASCII ones
        ([("page", "1"), ("page", "2")], InvalidPage, None),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(
    params: list[tuple[str, str]], error: type[DomainError], param: str | None
) -> None:
    with pytest.raises(error) as refused:
        parse_table_query(params)
    assert refused.value.details.get("param") == param
