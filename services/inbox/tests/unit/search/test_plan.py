"""The chat table's query as MongoDB gets it: any value within a filter, every filter across them,
``none`` as an equality, the visibility scope, and the index that serves each filter and sort.

What a filter matches is checked with a small matcher of exactly the operators the plan uses (the
same filters against the database: tests/integration/test_chat_search.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.core.search import facets_of
from inbox.search.repository import GroupTags, table_plan
from inbox.search.rules import parse_table_query
from livechat_shared.auth import Principal, Role

ADMIN = Principal(user_id="admin", workspace_id="ws", role=Role.ADMIN)
AGENT = Principal(user_id="ana", workspace_id="ws", role=Role.AGENT, teams=frozenset({"t1"}))
NO_GROUPS = GroupTags(named=[], grouped=[])
JAN = [datetime(2026, 1, d, tzinfo=UTC) for d in range(1, 32)]


def _value(doc: dict[str, Any], field: str, condition: Any) -> bool:
    value = doc.get(field)
    values = value if isinstance(value, list) else [value]
    if not isinstance(condition, dict):
        return condition in values
    if "$in" in condition:
        return any(v in condition["$in"] for v in values)
    if "$nin" in condition:
        return not any(v in condition["$nin"] for v in values)
    if "$not" in condition:
        return not _value(doc, field, condition["$not"])
    if "$elemMatch" in condition:  # one element meets every bound
        low, high = condition["$elemMatch"].get("$gte"), condition["$elemMatch"].get("$lt")
        return any((low is None or v >= low) and (high is None or v < high) for v in values if v is not None)
    # as MongoDB does on an array: each bound met by some element, not necessarily the same one
    low, high = condition.get("$gte"), condition.get("$lt")
    above = low is None or any(v is not None and v >= low for v in values)
    return above and (high is None or any(v is not None and v < high for v in values))


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, condition in query.items():
        if key == "$and":
            ok = all(matches(doc, c) for c in condition)
        elif key == "$or":
            ok = any(matches(doc, c) for c in condition)
        else:
            ok = _value(doc, key, condition)
        if not ok:
            return False
    return True


def doc(name: str, *, day: int = 1, words: tuple[str, ...] = (), **state: Any) -> dict[str, Any]:
    chat = {
        "status": "open",
        "mode": "ai",
        "assignee_id": None,
        "team_ids": ["t1"],
        "tags": [],
        "rating": None,
        "custom_fields": {},
    } | state
    return {
        "_id": name,
        "workspace_id": "ws",
        "created_at": JAN[day - 1],
        "facets": facets_of(**chat),
        "terms": list(words),
    }


CHATS = [
    doc("plain"),
    doc("pending-vip", status="pending", mode="live", tags=["vip"], day=3),
    doc("ana-bug", assignee_id="ana", mode="live", tags=["bug"], day=5, words=("refund", "cafe")),
    doc("bob-rated", assignee_id="bob", mode="live", team_ids=["t2"], rating={"score": 5}, day=7),
    doc("gold", custom_fields={"plan": "Gold", "seats": 5}, day=9, words=("refuse",)),
    doc("no-team", team_ids=[], day=11),
]


def found(query: list[tuple[str, str]], user: Principal = ADMIN, groups: GroupTags = NO_GROUPS) -> list[str]:
    plan = table_plan(user, parse_table_query(query), groups)
    return sorted(c["_id"] for c in CHATS if matches(c, plan.filter))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ([], ["ana-bug", "bob-rated", "gold", "no-team", "pending-vip", "plain"]),
        ([("status", "pending")], ["pending-vip"]),
        (
            [("status", "pending"), ("status", "open")],
            ["ana-bug", "bob-rated", "gold", "no-team", "pending-vip", "plain"],
        ),
        ([("status", "none")], []),
        ([("mode", "live")], ["ana-bug", "bob-rated", "pending-vip"]),
        ([("tag", "vip"), ("tag", "bug")], ["ana-bug", "pending-vip"]),
        ([("tag", "none")], ["bob-rated", "gold", "no-team", "plain"]),
        ([("tag", "none"), ("tag", "vip")], ["bob-rated", "gold", "no-team", "pending-vip", "plain"]),
        ([("agent", "ana")], ["ana-bug"]),
        ([("agent", "none")], ["gold", "no-team", "pending-vip", "plain"]),
        ([("team", "t2")], ["bob-rated"]),
        ([("team", "none")], ["no-team"]),
        ([("csat", "5")], ["bob-rated"]),
        ([("csat", "4")], []),
        ([("csat", "none")], ["ana-bug", "gold", "no-team", "pending-vip", "plain"]),
        ([("cf.plan", "gold")], ["gold"]),
        ([("cf.seats", "5.0")], ["gold"]),
        ([("cf.plan", "none")], ["ana-bug", "bob-rated", "no-team", "pending-vip", "plain"]),
        (
            [("cf.plan", "silver"), ("cf.plan", "none")],
            ["ana-bug", "bob-rated", "no-team", "pending-vip", "plain"],
        ),
        ([("created_from", "2026-01-05")], ["ana-bug", "bob-rated", "gold", "no-team"]),
        ([("created_to", "2026-01-05")], ["ana-bug", "pending-vip", "plain"]),
        (
            [("created_from", "2026-01-03"), ("created_to", "2026-01-07")],
            ["ana-bug", "bob-rated", "pending-vip"],
        ),
        (
            [("created_from", "2026-01-09"), ("created_from", "2026-01-05")],
            ["ana-bug", "bob-rated", "gold", "no-team"],
        ),
        ([("created_from", "none")], []),
        ([("q", "refu")], ["ana-bug", "gold"]),
        ([("q", "refu caf")], ["ana-bug"]),
        ([("q", "refunds")], []),
        # every field must hold (AND), any value within one (OR)
        ([("mode", "live"), ("tag", "vip"), ("tag", "bug")], ["ana-bug", "pending-vip"]),
        ([("mode", "live"), ("agent", "none")], ["pending-vip"]),
        ([("status", "open"), ("csat", "none"), ("team", "t1"), ("q", "ref")], ["ana-bug", "gold"]),
    ],
)
def test_filters_any_value_within_every_field_across(
    query: list[tuple[str, str]], expected: list[str]
) -> None:
    assert found(query) == expected


def test_an_agent_finds_only_their_own_and_their_teams_unassigned_chats() -> None:
    assert found([], AGENT) == ["ana-bug", "gold", "pending-vip", "plain"]
    assert found([("agent", "bob")], AGENT) == []
    supervisor = Principal(user_id="sue", workspace_id="ws", role=Role.SUPERVISOR, teams=frozenset({"t2"}))
    assert found([], supervisor) == ["bob-rated"]


def test_tag_groups_stand_for_their_tags() -> None:
    groups = GroupTags(named=["vip"], grouped=["vip", "bug"])
    assert found([("tag_group", "g-vip")], groups=groups) == ["pending-vip"]
    assert found([("tag_group", "none")], groups=groups) == ["bob-rated", "gold", "no-team", "plain"]
    both = found([("tag_group", "g-vip"), ("tag_group", "none")], groups=groups)
    assert both == ["bob-rated", "gold", "no-team", "pending-vip", "plain"]
    assert found([("tag_group", "g-empty")], groups=GroupTags(named=[], grouped=[])) == []


@pytest.mark.parametrize(
    ("user", "query", "index", "sort"),
    [
        (ADMIN, [], "chats_by_created_at", [("created_at", -1), ("_id", -1)]),
        (ADMIN, [("sort", "updated_at")], "chats_by_updated_at", [("updated_at", 1), ("_id", 1)]),
        (
            ADMIN,
            [("sort", "-last_message_at")],
            "chats_by_last_message_at",
            [("last_message_at", -1), ("_id", -1)],
        ),
        (ADMIN, [("created_from", "2026-01-01")], "chats_by_created_at", [("created_at", -1), ("_id", -1)]),
        (ADMIN, [("cf.plan", "none")], "chats_by_created_at", [("created_at", -1), ("_id", -1)]),
        (ADMIN, [("q", "refu")], "chat_terms_by_created_at", [("created_at", -1), ("_id", -1)]),
        (
            ADMIN,
            [("q", "refu"), ("sort", "created_at")],
            "chat_terms_by_created_at",
            [("created_at", 1), ("_id", 1)],
        ),
        (
            ADMIN,
            [("q", "refu"), ("sort", "-updated_at")],
            "chats_by_updated_at",
            [("updated_at", -1), ("_id", -1)],
        ),
        (ADMIN, [("status", "open")], "chat_facets_by_created_at", [("created_at", -1), ("_id", -1)]),
        (
            ADMIN,
            [("tag", "x"), ("sort", "-last_message_at")],
            "chat_facets_by_last_message_at",
            [("last_message_at", -1), ("_id", -1)],
        ),
        (
            ADMIN,
            [("cf.plan", "gold"), ("q", "x")],
            "chat_facets_by_created_at",
            [("created_at", -1), ("_id", -1)],
        ),
        (AGENT, [], "chat_facets_by_created_at", [("created_at", -1), ("_id", -1)]),
        (
            AGENT,
            [("q", "refu"), ("sort", "updated_at")],
            "chat_facets_by_updated_at",
            [("updated_at", 1), ("_id", 1)],
        ),
    ],
)
def test_each_query_names_the_index_that_serves_its_filter_and_sort(
    user: Principal, query: list[tuple[str, str]], index: str, sort: list[tuple[str, int]]
) -> None:
    plan = table_plan(user, parse_table_query(query), NO_GROUPS)
    assert (plan.index, plan.sort) == (index, sort)
    assert plan.filter["workspace_id"] == "ws"


def test_the_filter_is_equalities_on_facets_then_ranges() -> None:
    query = parse_table_query(
        [
            ("status", "open"),
            ("status", "pending"),
            ("agent", "none"),
            ("q", "Refu"),
            ("created_from", "2026-01-02"),
        ]
    )
    assert table_plan(AGENT, query, NO_GROUPS).filter == {
        "workspace_id": "ws",
        "$and": [
            {"facets": {"$in": ["agent:ana", "pool:t1"]}},
            {"facets": {"$in": ["status:open", "status:pending"]}},
            {"facets": {"$in": ["agent:"]}},
            {"created_at": {"$gte": datetime(2026, 1, 2, tzinfo=UTC)}},
            {"terms": {"$elemMatch": {"$gte": "refu", "$lt": "refv"}}},
        ],
    }
    assert table_plan(ADMIN, parse_table_query([("tag", "a")]), NO_GROUPS).filter == {
        "workspace_id": "ws",
        "facets": {"$in": ["tag:a"]},
    }
