"""Pure rules of the chat table: its query parameters, read and checked.

Every bad value is refused whole (nothing is half-applied): :class:`InvalidFilter` names the
parameter, :class:`InvalidSort` and :class:`InvalidPage` the others. Parameters the table does not
know are ignored, as HTTP caches and proxies expect.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, get_args

from livechat_shared.text import MAX_FIELD_VALUE, words

from ..errors import InvalidFilter, InvalidPage, InvalidSort
from .schemas import MAX_PAGE, MAX_PAGE_SIZE, MODES, NONE, STATUSES, SortField, TableQuery

T = TypeVar("T")

MAX_VALUES = 50
"""Values of one filter."""
MAX_FIELDS = 10
"""Custom fields filtered at once."""
MAX_ID = 64
MAX_QUERY = 200
"""Characters of ``q``."""
MAX_QUERY_WORDS = 8
FIELD_PREFIX = "cf."
FIELD_KEY = re.compile(r"[a-z][a-z0-9_-]{0,39}")
"""A custom field's key, as the catalog allows them."""
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SORTS: dict[str, tuple[SortField, bool]] = {
    f"{sign}{field}": (field, sign == "-") for field in get_args(SortField) for sign in ("", "-")
}


def parse_table_query(params: Iterable[tuple[str, str]]) -> TableQuery:
    """The table's query from its parameters (each may repeat); raises a domain error for the
    first bad one."""
    given: dict[str, list[str]] = {}
    for name, value in params:
        given.setdefault(name, []).append(value)
    fields = {
        name.removeprefix(FIELD_PREFIX): values
        for name, values in given.items()
        if name.startswith(FIELD_PREFIX)
    }
    if len(fields) > MAX_FIELDS:
        raise InvalidFilter(f"filter by at most {MAX_FIELDS} custom fields at once", param="cf")
    sort, descending = _sort(given.get("sort", []))
    return TableQuery(
        words=_words(given.get("q", [])),
        status=_values("status", given, _one_of("status", STATUSES)),
        mode=_values("mode", given, _one_of("mode", MODES)),
        tag=_values("tag", given, _id("tag")),
        tag_group=_values("tag_group", given, _id("tag_group")),
        agent=_values("agent", given, _id("agent")),
        team=_values("team", given, _id("team")),
        csat=_values("csat", given, _score),
        created_from=_values("created_from", given, lambda v: _time("created_from", v, end=False)),
        created_before=_values("created_to", given, lambda v: _time("created_to", v, end=True)),
        custom_fields={_field_key(k): _values(f"{FIELD_PREFIX}{k}", given, _field_value(k)) for k in fields},
        sort=sort,
        descending=descending,
        page=_number("page", given.get("page", []), 1, MAX_PAGE),
        page_size=_number("page_size", given.get("page_size", []), 50, MAX_PAGE_SIZE),
    )


def _values(param: str, given: dict[str, list[str]], parse: Callable[[str], T]) -> list[T | None]:
    """One filter's values, each once, in order; ``none`` is ``None``."""
    values = given.get(param, [])
    if len(values) > MAX_VALUES:
        raise InvalidFilter(f"{param} takes at most {MAX_VALUES} values", param=param)
    parsed: list[T | None] = [None if v == NONE else parse(v) for v in values]
    return list(dict.fromkeys(parsed))


def _one_of(param: str, allowed: tuple[str, ...]) -> Callable[[str], Any]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise InvalidFilter(
                f"{param} takes {', '.join(allowed)} or none, not {value[:40]!r}", param=param
            )
        return value

    return parse


def _id(param: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not 0 < len(value) <= MAX_ID or not value.isprintable():
            raise InvalidFilter(
                f"{param} takes ids (1 to {MAX_ID} printable characters) or none", param=param
            )
        return value

    return parse


def _score(value: str) -> int:
    if value not in ("1", "2", "3", "4", "5"):
        raise InvalidFilter(f"csat takes a score from 1 to 5 or none, not {value[:40]!r}", param="csat")
    return int(value)


def _time(param: str, value: str, *, end: bool) -> datetime:
    """An ISO date or time as a bound in UTC: a day starts at its start, or (``end``) is taken
    whole, up to the next day's start; a time without an offset is UTC."""
    try:
        if len(value) > 40:
            raise ValueError("too long")
        at = datetime.fromisoformat(value)
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
        if at.year > 9998:
            raise ValueError("too late")
        if end:  # exclusive: the next day, or just after the time (the database keeps milliseconds)
            whole = at.replace(microsecond=at.microsecond // 1000 * 1000)
            at = at + timedelta(days=1) if DAY.fullmatch(value) else whole + timedelta(milliseconds=1)
    except (ValueError, OverflowError) as exc:
        raise InvalidFilter(
            f"{param} takes a date (YYYY-MM-DD) or an ISO-8601 time, or none; not {value[:40]!r}",
            param=param,
        ) from exc
    return at


def _field_key(key: str) -> str:
    if not FIELD_KEY.fullmatch(key):
        raise InvalidFilter(
            f"cf.<field key> names a custom field's key (a-z, 0-9, '_', '-'), not {key[:40]!r}", param="cf"
        )
    return key


def _field_value(key: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not value.strip() or len(value) > 2 * MAX_FIELD_VALUE:
            raise InvalidFilter(
                f"cf.{key} takes values of 1 to {2 * MAX_FIELD_VALUE} characters, or none", param=f"cf.{key}"
            )
        return value

    return parse


def _words(given: list[str]) -> list[str]:
    text = " ".join(given)
    if len(text) > MAX_QUERY:
        raise InvalidFilter(f"q takes at most {MAX_QUERY} characters", param="q")
    found = words(text, MAX_QUERY_WORDS + 1, shortest=1)
    if len(found) > MAX_QUERY_WORDS:
        raise InvalidFilter(f"q takes at most {MAX_QUERY_WORDS} words", param="q")
    return found


def _sort(given: list[str]) -> tuple[SortField, bool]:
    if not given:
        return "created_at", True
    if len(given) > 1 or given[0] not in SORTS:
        raise InvalidSort()
    return SORTS[given[0]]


def _number(param: str, given: list[str], default: int, highest: int) -> int:
    if not given:
        return default
    value = given[0]
    digits = value.isascii() and value.isdigit() and len(value) <= 7
    if len(given) > 1 or not digits or not 1 <= int(value) <= highest:
        raise InvalidPage(f"{param} takes one whole number from 1 to {highest}")
    return int(value)
