"""The stored entities of the assignment service, converted at the repository boundary.

Every entity but the workspace belongs to one workspace (``workspace_id``). ``updated_at`` is
absent until the first change, so it is left out of the document and of the JSON when unset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from livechat_shared.auth import Role
from livechat_shared.mongo import Document
from pydantic import Field, PlainSerializer, WithJsonSchema

Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
"""A moment, shown in JSON as ``datetime.isoformat()`` (``...+00:00``)."""


def _is_none(value: Any) -> bool:
    return value is None


UpdatedAt = Annotated[Timestamp | None, Field(exclude_if=_is_none)]
"""When the entity last changed: ``None`` until its first change, and then left out when dumped."""


class Workspace(Document):
    """A customer's workspace; its ``id`` is the ``ws`` claim of its users' tokens."""

    name: str
    created_at: Timestamp
    updated_at: Timestamp


class Teamspace(Document):
    workspace_id: str
    name: str
    created_at: Timestamp
    updated_at: UpdatedAt = None


class Team(Document):
    workspace_id: str
    teamspace_id: str
    name: str
    created_at: Timestamp
    updated_at: UpdatedAt = None


class User(Document):
    """A person who works chats (an agent, supervisor or admin); ``email`` is stored lowercased."""

    workspace_id: str
    name: str
    email: str
    role: Role
    team_ids: list[str] = []
    languages: list[str] = []
    max_chats: int | None = None
    created_at: Timestamp
    updated_at: UpdatedAt = None


M = TypeVar("M", covariant=True)


@dataclass(frozen=True)
class Slice(Generic[M]):
    """One page of entities, oldest first, and how many there are in all."""

    items: Sequence[M]
    total: int
