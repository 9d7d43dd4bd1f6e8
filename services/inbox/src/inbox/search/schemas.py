"""The chat table's query (parsed from ``GET /v1/chats``'s parameters) and its page."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from livechat_shared.contracts import ChatMode, ChatSnapshot, ChatStatus
from livechat_shared.pagination import Page
from pydantic import BaseModel, ConfigDict, Field

SortField = Literal["created_at", "updated_at", "last_message_at"]
STATUSES: tuple[str, ...] = get_args(ChatStatus)
MODES: tuple[str, ...] = get_args(ChatMode)
NONE = "none"
"""The value every filter takes for "the field has no value"."""
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


class TableQuery(BaseModel):
    """A valid query of the chat table. Each filter is a list of values, any of which will do (an
    empty list: no filter); ``None`` in it is ``none``, "the field has no value". Filters of
    different fields must all hold."""

    model_config = ConfigDict(frozen=True)

    words: list[str] = []
    """The normalised words of ``q``: each must start a word of the chat's (all of them)."""
    status: list[ChatStatus | None] = []
    mode: list[ChatMode | None] = []
    tag: list[str | None] = []
    tag_group: list[str | None] = []
    agent: list[str | None] = []
    team: list[str | None] = []
    csat: list[int | None] = []
    created_from: list[datetime | None] = []
    """Earliest creation times (inclusive)."""
    created_before: list[datetime | None] = []
    """Creation times the chats precede (exclusive): ``created_to`` of a day is the next day's start."""
    custom_fields: dict[str, list[str | None]] = {}
    """Field key → values (as the ``cf.<key>`` parameters give them)."""
    sort: SortField = "created_at"
    descending: bool = True
    page: int = 1
    page_size: int = 50

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.page_size


class ChatPage(Page[ChatSnapshot]):
    """A page of the chat table."""

    total_exact: bool = Field(
        default=True,
        description=(
            "false when more chats match than the table counts (a cap keeps counting fast on large "
            "workspaces): ``total`` is then the cap, a lower bound of the chats that match"
        ),
    )


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _values(name: str, description: str, item: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "array", "maxItems": 50, "items": item}
    return _param(name, f"{description}; repeat for any of several; `none`: {NONE_MEANS[name]}", schema)


NONE_MEANS = {
    "status": "matches no chat (every chat has a status)",
    "mode": "matches no chat (every chat has a mode)",
    "tag": "no tag",
    "tag_group": "no tag of any group",
    "agent": "nobody assigned",
    "team": "no team",
    "csat": "not rated",
    "created_from": "matches no chat (every chat has a creation time)",
    "created_to": "matches no chat (every chat has a creation time)",
}
_ID = {"type": "string", "minLength": 1, "maxLength": 64}
_TIME = {"type": "string", "description": "YYYY-MM-DD or an ISO-8601 time (UTC when no offset)"}

TABLE_PARAMETERS: list[dict[str, Any]] = [
    _param(
        "q",
        "keywords: every word must start a word of the chat's messages, its person's name, its "
        "description or its id (case and accents ignored)",
        {"type": "string", "maxLength": 200},
    ),
    _values("status", "the chat's status", {"type": "string", "enum": [*STATUSES, NONE]}),
    _values("mode", "AI chats or livechats", {"type": "string", "enum": [*MODES, NONE]}),
    _values("tag", "a tag id the chat has", _ID),
    _values("tag_group", "a tag group id: the chat has one of its tags", _ID),
    _values("agent", "the assignee's user id", _ID),
    _values("team", "a team id of the chat's", _ID),
    _values("csat", "the chat's rating score", {"type": "string", "enum": ["1", "2", "3", "4", "5", NONE]}),
    _values("created_from", "created at or after (a day: from its start)", _TIME),
    _values("created_to", "created at or before (a day: up to its end)", _TIME),
    _param(
        "sort",
        "the order: `-` first for newest first (the default is `-created_at`); ties by id",
        {
            "type": "string",
            "enum": [f"{d}{s}" for s in get_args(SortField) for d in ("-", "")],
            "default": "-created_at",
        },
    ),
    _param("page", "the page, from 1", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    _param(
        "page_size",
        "chats per page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50},
    ),
]
"""The table's query parameters as the OpenAPI document shows them (parsed by ``rules``, because
``cf.<field key>`` names are open-ended)."""
