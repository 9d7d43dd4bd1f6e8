"""Request and response models of the exports API, the stored export job, and a JSONL export's line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from livechat_shared.contracts import ChatMode, ChatSnapshot, ChatStatus, MessageView
from livechat_shared.mongo import Document
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

NONE = "none"
"""In any filter: the chats where the field has no value."""

ExportFormat = Literal["csv", "jsonl"]
ExportStatus = Literal["queued", "running", "done", "failed", "expired", "deleted"]
"""``expired``: the file's time is up; ``deleted``: a chat in it was deleted, and the file with it."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
FieldValue = Annotated[str, StringConstraints(max_length=200)] | int | float | bool
Values = Annotated[list[Name], Field(max_length=50)]


def _listed(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


class ExportFilters(BaseModel):
    """The Livechats table's filters (``GET /v1/chats``): each a list of values (one value is taken
    as a list of one), OR within a field, AND across fields; ``"none"`` matches chats without a value.
    Custom fields as ``"cf.<key>": [...]`` (or ``"cf": {"<key>": [...]}``), their values compared as
    the table compares them (``"5"`` is 5, text without case, accents or extra spaces; an empty text
    is no value); ``q`` finds chats with a
    word starting with each of its words (case and accents ignored) in a message, the description,
    the person's name or the chat id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str | None = Field(default=None, max_length=200)
    status: Annotated[list[ChatStatus | Literal["none"]], Field(max_length=10)] = []
    mode: Annotated[list[ChatMode | Literal["none"]], Field(max_length=10)] = []
    tag: Values = []
    """Tag ids."""
    tag_group: Values = []
    """Tag group ids: chats with a tag in any of the groups; ``none``: chats with no tag in any group
    (untagged, or with ungrouped tags only), as the inbox's table. Which tags a group has is read
    when the export runs."""
    agent: Values = []
    """Assignee user ids."""
    team: Values = []
    csat: Annotated[list[Annotated[int, Field(ge=1, le=5)] | Literal["none"]], Field(max_length=10)] = []
    created_from: datetime | None = None
    """Chats created at or after this time (a time without a zone is UTC)."""
    created_to: datetime | None = None
    """Chats created at or before this time."""
    cf: Annotated[
        dict[FieldKey, Annotated[list[FieldValue], Field(max_length=50)]], Field(max_length=50)
    ] = {}

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: Any) -> Any:
        """``"cf.<key>"`` keys into ``cf``, and single values into lists."""
        if not isinstance(data, dict):
            return data
        gathered: dict[str, Any] = {}
        fields: dict[str, Any] = dict(data.get("cf") or {}) if isinstance(data.get("cf"), dict) else {}
        for key, value in data.items():
            if key.startswith("cf."):
                fields[key.removeprefix("cf.")] = _listed(value)
            elif key in ("q", "created_from", "created_to", "cf") or value is None:
                gathered[key] = value
            else:
                gathered[key] = _listed(value)
        if fields:
            gathered["cf"] = {k: _listed(v) for k, v in fields.items()}
        return gathered

    @field_validator("created_from", "created_to")
    @classmethod
    def _utc(cls, at: datetime | None) -> datetime | None:
        """A time without a zone is UTC."""
        return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at

    @model_validator(mode="after")
    def _window(self) -> ExportFilters:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise ValueError("created_from must not be after created_to")
        return self


@dataclass(frozen=True)
class GroupTags:
    """The tags an export's ``tag_group`` filter stands for, from the service's copy of the inbox's
    tags when the job runs (as the inbox's table reads its catalog when queried)."""

    named: list[str] = field(default_factory=list)
    """The tags in the groups the filter names."""
    grouped: list[str] = field(default_factory=list)
    """Every tag in a group (for ``none``; empty unless the filter asks for it)."""


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: ExportFormat
    filters: ExportFilters = ExportFilters()


class ExportCreated(BaseModel):
    id: str
    status: ExportStatus


class ExportOut(BaseModel):
    """An export as its creator sees it. ``rows``: the chats written so far; ``total``: how many chats
    the export holds, known once the job has read them all (``null`` until then; the job reads the
    chats once, it does not count them first); ``progress``: the share written (0 to 1), 0 while the
    total is not known, 1 when done."""

    id: str
    format: ExportFormat
    status: ExportStatus
    rows: int
    total: int | None
    progress: float
    error: str | None = None
    filters: ExportFilters
    created_at: datetime
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    """Until when the file can be downloaded (set when it is done)."""


class ExportJob(Document):
    """A stored export job. While ``running`` it is held by the process whose ``claim`` it carries
    until ``lease_until``; that process renews the lease as it writes."""

    workspace_id: str
    owner_id: str
    role: str
    teams: list[str] = []
    format: ExportFormat
    filters: ExportFilters
    status: ExportStatus
    rows: int = 0
    total: int | None = None
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    downloaded_at: datetime | None = None
    file_id: str | None = None
    claim: str | None = None
    lease_until: datetime | None = None
    attempts: int = 0


class TranscriptLine(BaseModel):
    """One line of a JSONL export: a chat and its messages in the order they were stored."""

    chat: ChatSnapshot
    messages: list[MessageView]
