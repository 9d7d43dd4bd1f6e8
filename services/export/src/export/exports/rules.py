"""Pure rules of the exports: filters to a query, what each row holds, and the job's lifecycle."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from livechat_shared.auth import Permission, Principal, Role
from livechat_shared.contracts import ChatSnapshot, MessageView
from livechat_shared.text import field_value_key
from pydantic import TypeAdapter

from ..core.access import scope_query
from ..core.stats import response_seconds
from ..core.store import LIVE
from ..core.text import prefix_pattern, query_prefixes
from ..core.times import iso, utc
from ..errors import ExportForbidden
from .schemas import (
    NONE,
    ExportFilters,
    ExportFormat,
    ExportJob,
    ExportOut,
    ExportStatus,
    GroupTags,
    TranscriptLine,
)

Doc = dict[str, Any]

# --- who may export, and what ------------------------------------------------------------------------


def check_may_export(user: Principal) -> None:
    if not user.has(Permission.EXPORT):
        raise ExportForbidden()


def owner_of(job: ExportJob) -> Principal:
    """The creator as they were when they asked (their scope then is the export's scope)."""
    return Principal(
        user_id=job.owner_id, workspace_id=job.workspace_id, role=Role(job.role), teams=frozenset(job.teams)
    )


def _one_of(field: str, values: Sequence[Any], no_value: Doc) -> Doc:
    """``field`` is any of ``values`` (OR), ``"none"`` among them meaning ``no_value``."""
    named = [v for v in values if v != NONE]
    alternatives: list[Doc] = []
    if named:
        alternatives.append({field: {"$in": named}})
    if len(named) < len(values):
        alternatives.append(no_value)
    return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}


def tag_groups_wanted(filters: ExportFilters) -> tuple[list[str], bool]:
    """The tag groups the filters name, and whether they ask for ``none`` (so whether every grouped
    tag must be known): what :class:`GroupTags` must hold for :func:`filter_query`."""
    return [g for g in filters.tag_group if g != NONE], NONE in filters.tag_group


def _tag_groups(values: Sequence[str], groups: GroupTags) -> Doc:
    """A chat with a tag of a named group (none when the groups have no tags); ``none``: a chat with
    no tag in any group — untagged, or with ungrouped (or deleted) tags only — as the inbox's table."""
    alternatives: list[Doc] = []
    if any(v != NONE for v in values):
        alternatives.append({"tags": {"$in": groups.named}})
    if NONE in values:
        alternatives.append({"tags": {"$nin": groups.grouped}})
    return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}


def filter_query(filters: ExportFilters, groups: GroupTags | None = None) -> Doc:
    """The filters as one MongoDB query: OR within a field, AND across fields. ``groups``: the tags
    of the ``tag_group`` filter (see :func:`tag_groups_wanted`), needed when it is set."""
    clauses: list[Doc] = []
    if filters.status:
        clauses.append(_one_of("status", filters.status, {"status": None}))
    if filters.mode:
        clauses.append(_one_of("mode", filters.mode, {"mode": None}))
    if filters.tag:
        clauses.append(_one_of("tags", filters.tag, {"tags": {"$in": [None, []]}}))
    if filters.tag_group:
        if groups is None:
            raise ValueError("a tag_group filter needs the tags of its groups")
        clauses.append(_tag_groups(filters.tag_group, groups))
    if filters.agent:
        clauses.append(_one_of("assignee_id", filters.agent, {"assignee_id": None}))
    if filters.team:
        clauses.append(_one_of("team_ids", filters.team, {"team_ids": {"$in": [None, []]}}))
    if filters.csat:
        clauses.append(_one_of("rating.score", filters.csat, {"rating.score": None}))
    created: Doc = {}
    if filters.created_from:
        created["$gte"] = utc(filters.created_from)
    if filters.created_to:
        created["$lte"] = utc(filters.created_to)
    if created:
        clauses.append({"created_at": created})
    for key, values in sorted(filters.cf.items()):
        given = [v if v == NONE else f"{key}={field_value_key(v)}" for v in values]
        field = f"custom_fields.{key}"
        clauses.append(_one_of("custom_field_values", given, {field: {"$in": [None, ""]}}))
    for prefix in query_prefixes(filters.q or ""):
        pattern = {"$regex": prefix_pattern(prefix)}
        clauses.append({"$or": [{"terms": pattern}, {"message_terms": pattern}]})
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def export_query(job: ExportJob, groups: GroupTags | None = None) -> Doc:
    """The chats an export holds: those with a snapshot, in its creator's scope, matching its filters
    (``groups``: the tags its ``tag_group`` filter stands for)."""
    parts = [LIVE, scope_query(owner_of(job)), filter_query(job.filters, groups)]
    return {"$and": [p for p in parts if p]}


# --- what a row holds --------------------------------------------------------------------------------


def _time(value: Any) -> Any:
    """A time that came as JSON text (a rating's ``at``) as a time, when it is one."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def seconds(value: float | None) -> str:
    """A duration in seconds, to the millisecond, without trailing zeros (empty when unknown)."""
    if value is None:
        return ""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def resolution_seconds(chat: Doc) -> float | None:
    """From the chat's creation to when it was resolved or closed, while it is (else unknown)."""
    resolved_at = chat.get("resolved_at")
    if chat.get("status") not in ("resolved", "closed") or resolved_at is None:
        return None
    elapsed: float = (resolved_at - chat["created_at"]).total_seconds()
    return max(0.0, elapsed)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A CSV cell. Text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
    ``@``) is prefixed with ``'`` (CSV injection); lists are joined with ``;``."""
    if type(value) is str:  # the most frequent, first
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, list | tuple):
        return cell(";".join(cell(v).removeprefix("'") for v in value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = (
    "id",
    "app_id",
    "app_name",
    "channel",
    "teamspace_id",
    "status",
    "mode",
    "description",
    "person_id",
    "person_name",
    "created_at",
    "updated_at",
    "last_message_at",
    "assignee_id",
    "assignee_name",
    "team_ids",
    "tags",
)
CSV_TAIL = (
    "rating_score",
    "rating_comment",
    "rating_at",
    "messages_total",
    "messages_person",
    "messages_agents",
    "messages_ai",
    "first_response_seconds",
    "resolution_seconds",
)


def csv_header(field_keys: Sequence[str]) -> list[str]:
    """The columns: the chat's details, one ``cf.<key>`` per custom field in the export, then the
    rating, the message counts and the times."""
    return [*CSV_COLUMNS, *(f"cf.{key}" for key in field_keys), *CSV_TAIL]


def quoted(text: str) -> str:
    """A cell as CSV writes it (RFC 4180, as the ``csv`` module's default dialect): in double quotes,
    its quotes doubled, when it holds a quote, a comma or a line break."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def csv_line(cells: Iterable[str]) -> str:
    """Cells as one CSV line, with its line break (``\r\n``, as the ``csv`` module writes it)."""
    return ",".join(quoted(c) for c in cells) + "\r\n"


CsvCells = tuple[str, dict[str, str], str]
"""A chat's CSV row but its custom fields, as text: the cells before the custom fields' columns,
its custom fields' cells by key (those with a value), the cells after them. The row once the export's
keys are known is :func:`csv_row`."""


def csv_cells(chat: Doc, assignee_name: str | None) -> CsvCells:
    """A chat's cells, from its stored document (with its message statistics, ``stats``)."""
    app = chat["app"]
    person = chat.get("person") or {}
    rating = chat.get("rating") or {}
    stats = chat.get("stats") or {}
    head: list[Any] = [
        chat["_id"],
        app.get("id"),
        app.get("name"),
        app.get("channel"),
        chat.get("teamspace_id"),
        chat.get("status"),
        chat.get("mode"),
        chat.get("description"),
        person.get("id"),
        person.get("name"),
        chat.get("created_at"),
        chat.get("updated_at"),
        chat.get("last_message_at"),
        chat.get("assignee_id"),
        assignee_name,
        chat.get("team_ids"),
        chat.get("tags"),
    ]
    tail = [
        cell(rating.get("score")),
        cell(rating.get("comment")),
        cell(_time(rating.get("at"))),
        cell(stats.get("total", 0)),
        cell(stats.get("person", 0)),
        cell(stats.get("agents", 0)),
        cell(stats.get("ai", 0)),
        seconds(response_seconds(stats)),
        seconds(resolution_seconds(chat)),
    ]
    fields = {k: quoted(cell(v)) for k, v in (chat.get("custom_fields") or {}).items() if v not in (None, "")}
    return ",".join([quoted(cell(v)) for v in head]), fields, ",".join([quoted(c) for c in tail])


def csv_row(cells: CsvCells, field_keys: Sequence[str]) -> str:
    """The chat's CSV line, with a cell per custom field of the export (empty when it has none)."""
    head, fields, tail = cells
    if not field_keys:
        return head + "," + tail + "\r\n"
    return head + "," + ",".join(fields.get(key, "") for key in field_keys) + "," + tail + "\r\n"


TRANSCRIPT_LINE = TypeAdapter(TranscriptLine)
MESSAGES = TypeAdapter(list[MessageView])


def _as_view(doc: Doc) -> Doc:
    """A stored document as its contract reads it (``_id`` is its ``id``)."""
    doc["id"] = doc["_id"]
    return doc


def jsonl_line(chat: Doc, messages: list[Doc]) -> bytes:
    """A chat's JSONL line with its messages: ``{"chat": {...}, "messages": [...]}`` (the chat as the
    inbox announced it, each message as its events carry it)."""
    line = TRANSCRIPT_LINE.validate_python(
        {"chat": _as_view(chat), "messages": [_as_view(m) for m in messages]}
    )
    return TRANSCRIPT_LINE.dump_json(line) + b"\n"


def jsonl_head(chat: Doc) -> bytes:
    """The start of a long chat's JSONL line, up to its messages: ``{"chat": {...}, "messages": [``."""
    snapshot = ChatSnapshot.model_validate(_as_view(chat))
    return b'{"chat":' + snapshot.model_dump_json().encode() + b',"messages":['


def jsonl_messages(messages: list[Doc], first: bool) -> bytes:
    """Some of a long chat's messages, for between :func:`jsonl_head` and :data:`JSONL_TAIL`."""
    if not messages:
        return b""
    listed = MESSAGES.dump_json(MESSAGES.validate_python([_as_view(m) for m in messages]))
    return (b"" if first else b",") + listed[1:-1]


JSONL_TAIL = b"]}\n"


def message_count(chat: Doc) -> int:
    """The messages a chat has, as its statistics count them."""
    total: int = (chat.get("stats") or {}).get("total", 0)
    return total


def transcript_groups(
    chats: Sequence[Doc], max_chats: int, max_messages: int
) -> list[list[tuple[Doc, bool]]]:
    """``chats`` in groups (in order) whose messages are read with one query: at most ``max_chats``
    chats and ``max_messages`` messages a group. A chat with more messages than that is *long*
    (``True``): its messages are read on their own, a part at a time, and it adds none to its group."""
    groups: list[list[tuple[Doc, bool]]] = []
    group: list[tuple[Doc, bool]] = []
    messages = 0
    for chat in chats:
        count = message_count(chat)
        long = count > max_messages
        if group and (len(group) >= max_chats or (not long and messages + count > max_messages)):
            groups.append(group)
            group, messages = [], 0
        group.append((chat, long))
        messages += 0 if long else count
    if group:
        groups.append(group)
    return groups


# --- the job's lifecycle -----------------------------------------------------------------------------


def visible_status(job: ExportJob, now: datetime) -> ExportStatus:
    """A done export whose file's time is up is ``expired``, even before the sweep deletes it."""
    if job.status == "done" and job.expires_at is not None and job.expires_at <= now:
        return "expired"
    return job.status


def progress(job: ExportJob) -> float:
    if job.status == "done":
        return 1.0
    if not job.total:
        return 0.0
    return round(min(1.0, job.rows / job.total), 4)


def export_out(job: ExportJob, now: datetime) -> ExportOut:
    return ExportOut(
        id=job.id,
        format=job.format,
        status=visible_status(job, now),
        rows=job.rows,
        total=job.total,
        progress=progress(job),
        error=job.error,
        filters=job.filters,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
    )


def expiry(finished_at: datetime, ttl_seconds: int) -> datetime:
    return finished_at + timedelta(seconds=ttl_seconds)


MEDIA_TYPES: dict[ExportFormat, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


CLOCK_MARGIN = timedelta(minutes=5)
"""How far the clocks of two replicas may differ: a chat deleted this long before an export started
may still be in it, as far as the deletion's time (another replica's clock) tells."""


def deletions_since(job: ExportJob) -> datetime:
    """From when a chat's deletion may concern the export (a chat deleted earlier was not read)."""
    return (job.started_at or job.created_at) - CLOCK_MARGIN


def file_name(job: ExportJob) -> str:
    return f"chats-export-{job.id}.{job.format}"


INTERRUPTED = "the export was interrupted too often (its process stopped); start a new one"
CHAT_DELETED = "a chat in this export was deleted, and the file with it; start a new export"
