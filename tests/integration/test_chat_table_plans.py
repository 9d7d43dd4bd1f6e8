"""Every kind of query the chat table sends is served by an index that follows equality, sort,
range: the database's ``explain`` of each (no filter, each filter, keywords, combinations, each sort,
for each kind of user) against the real database, for the page and for the count.

What is asserted holds on MongoDB and on the embedded server alike: the winning plan scans the
index the query names (never the collection), and that index's keys are equality fields of the
query, then the sort (``<field>, _id``, walked forwards or backwards), then only range fields of the
query. On MongoDB the plan must also have no blocking ``SORT`` stage; the embedded server reports one
for every compound index not led by the sort field (its planner's simplification:
``secantus/storage.py`` ``_make_ixscan_plan``), so there the key order is the proof."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.core.store import CHATS
from inbox.search.repository import GroupTags, TablePlan, table_plan
from inbox.search.rules import parse_table_query
from livechat_shared.auth import Principal, Role

from .conftest import WS
from .conftest import LiveInbox as Inbox

USERS = {
    "admin": Principal(user_id="u-admin", workspace_id=WS, role=Role.ADMIN),
    "supervisor": Principal(
        user_id="u-sup", workspace_id=WS, role=Role.SUPERVISOR, teams=frozenset({"team-1"})
    ),
    "agent": Principal(
        user_id="u-agent", workspace_id=WS, role=Role.AGENT, teams=frozenset({"team-1", "team-2"})
    ),
}
QUERIES: list[list[tuple[str, str]]] = [
    [],
    [("status", "open")],
    [("status", "open"), ("status", "pending")],
    [("status", "none")],
    [("mode", "ai")],
    [("tag", "t-1")],
    [("tag", "none")],
    [("tag_group", "g-1")],
    [("tag_group", "none")],
    [("agent", "u-agent")],
    [("agent", "none")],
    [("team", "team-1")],
    [("team", "none")],
    [("csat", "5")],
    [("csat", "none")],
    [("created_from", "2026-01-01")],
    [("created_to", "2026-12-31")],
    [("created_from", "2026-01-01"), ("created_to", "2026-12-31")],
    [("cf.plan", "gold")],
    [("cf.plan", "none")],
    [("cf.plan", "gold"), ("cf.plan", "none")],
    [("q", "refu")],
    [("q", "refu cafe")],
    [("status", "open"), ("tag", "t-1"), ("q", "refu")],
    [("mode", "live"), ("agent", "none"), ("team", "team-1"), ("created_from", "2026-01-01")],
    [("csat", "none"), ("cf.plan", "none"), ("q", "refu"), ("created_to", "2026-12-31")],
    [("tag_group", "g-1"), ("tag_group", "none"), ("tag", "none")],
]
SORTS = ["-created_at", "created_at", "-updated_at", "updated_at", "-last_message_at", "last_message_at"]
GROUPS = GroupTags(named=["t-1", "t-2"], grouped=["t-1", "t-2", "t-3"])
RANGE_OPERATORS = {"$gt", "$gte", "$lt", "$lte", "$elemMatch"}


def shape(where: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The fields ``where`` holds equal to one or several values, and those it bounds by a range;
    other conditions (``$or``, ``$nin``, ``$not``) neither."""
    equal: set[str] = set()
    ranged: set[str] = set()
    clauses = [{k: v for k, v in where.items() if k != "$and"}, *where.get("$and", [])]
    for clause in clauses:
        for field, condition in clause.items():
            if field.startswith("$"):
                continue
            if not isinstance(condition, dict) or set(condition) == {"$in"}:
                equal.add(field)
            elif set(condition) <= RANGE_OPERATORS:
                ranged.add(field)
    return equal, ranged


def esr_problems(keys: dict[str, int], plan: TablePlan) -> list[str]:
    """How the index's key order departs from equality, sort, range for ``plan``'s query."""
    equal, ranged = shape(plan.filter)
    fields = list(keys)
    sort_fields = [f for f, _ in plan.sort]
    if sort_fields[0] not in fields:
        return [f"the index does not hold the sort field {sort_fields[0]}"]
    at = fields.index(sort_fields[0])
    problems = []
    if not set(fields[:at]) <= equal:
        problems.append(
            f"{fields[:at]} before the sort are not all equalities of the query ({sorted(equal)})"
        )
    if fields[at : at + len(sort_fields)] != sort_fields:
        problems.append(f"the sort {sort_fields} does not follow the equalities in {fields}")
    if len({keys[f] * d for f, d in plan.sort if f in keys}) != 1:
        problems.append(f"the index {keys} cannot be walked in the order {plan.sort}")
    if not set(fields[at + len(sort_fields) :]) <= ranged:
        problems.append(f"{fields[at + len(sort_fields) :]} after the sort are not ranges of the query")
    return problems


def stages(node: Any) -> list[dict[str, Any]]:
    """Every plan stage under ``node`` (an explain document or a part of one)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "stage" in node:
            found.append(node)
        for value in node.values():
            found += stages(value)
    elif isinstance(node, list):
        for value in node:
            found += stages(value)
    return found


def winning_plans(explained: dict[str, Any]) -> list[dict[str, Any]]:
    plans: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "winningPlan":
                    plans.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(explained)
    return plans


@pytest.mark.parametrize("role", list(USERS))
async def test_every_table_query_is_served_by_an_index_in_equality_sort_range_order(
    live_inbox: Inbox, role: str
) -> None:
    db = live_inbox.app.state.runtime.mongo.db
    indexes = {ix["name"]: dict(ix["key"]) for ix in await (await db[CHATS].list_indexes()).to_list()}
    problems: dict[str, list[str]] = {}
    used: set[str] = set()
    for params in QUERIES:
        for sort in SORTS:
            plan = table_plan(USERS[role], parse_table_query([*params, ("sort", sort)]), GROUPS)
            name = f"{params} sort={sort}"
            assert plan.index in indexes, f"{name}: no index {plan.index}"
            used.add(plan.index)
            found = esr_problems(indexes[plan.index], plan)
            find = {
                "find": CHATS,
                "filter": plan.filter,
                "sort": dict(plan.sort),
                "hint": plan.index,
                "limit": 50,
            }
            count = {
                "aggregate": CHATS,
                "pipeline": [
                    {"$match": plan.filter},
                    {"$limit": 10_001},
                    {"$group": {"_id": 1, "n": {"$sum": 1}}},
                ],
                "cursor": {},
                "hint": plan.index,
            }
            for what, command in (("page", find), ("count", count)):
                explained = await db.command("explain", command, verbosity="queryPlanner")
                plans = winning_plans(explained)
                every = [s for p in plans for s in stages(p)]
                scans = [s for s in every if s["stage"] in ("IXSCAN", "COLLSCAN", "EXPRESS_IXSCAN")]
                if not plans or not scans:
                    found.append(f"{what}: no plan in {explained}")
                for scan in scans:
                    if scan["stage"] == "COLLSCAN":
                        found.append(f"{what}: a collection scan")
                    elif (scan.get("indexName"), dict(scan.get("keyPattern", {}))) != (
                        plan.index,
                        indexes[plan.index],
                    ):
                        found.append(f"{what}: scans {scan.get('indexName')}, not {plan.index}")
                embedded = explained.get("serverInfo", {}).get("host") == "secantus"
                if what == "page" and not embedded and any(s["stage"] == "SORT" for s in every):
                    found.append("page: sorted in memory")
            if found:
                problems[name] = found
    assert problems == {}
    if role == "admin":  # every index of the table is used by some query
        assert {
            i for i in indexes if i.startswith(("chats_by_", "chat_facets_by_", "chat_terms_by_"))
        } == used


def test_the_check_refuses_what_would_sort_in_memory() -> None:
    admin, agent = USERS["admin"], USERS["agent"]
    by_update = table_plan(admin, parse_table_query([("sort", "-updated_at")]), GROUPS)
    assert esr_problems({"workspace_id": 1, "updated_at": -1, "_id": -1}, by_update) == []
    assert esr_problems({"workspace_id": 1, "created_at": -1, "_id": -1}, by_update)  # another sort
    assert esr_problems({"workspace_id": 1, "updated_at": -1, "_id": 1}, by_update)  # mixed directions
    assert esr_problems({"workspace_id": 1, "facets": 1, "updated_at": -1, "_id": -1}, by_update)  # no facet
    scoped = table_plan(agent, parse_table_query([]), GROUPS)
    assert esr_problems({"workspace_id": 1, "facets": 1, "created_at": -1, "_id": -1}, scoped) == []
    assert esr_problems({"workspace_id": 1, "created_at": -1, "_id": -1, "terms": 1}, scoped)  # no terms
    dated = table_plan(
        agent, parse_table_query([("created_from", "2026-01-01"), ("sort", "updated_at")]), GROUPS
    )
    assert esr_problems(
        {"workspace_id": 1, "created_at": -1, "facets": 1, "updated_at": -1, "_id": -1}, dated
    )
