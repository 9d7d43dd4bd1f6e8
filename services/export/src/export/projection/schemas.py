"""What the projection reads back of a stored chat before applying a snapshot to it, and what it
stores of a message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livechat_shared.contracts import ChatStatus
from pydantic import BaseModel, ConfigDict


class ChatState(BaseModel):
    """A stored chat's version and status (a stub has version -1; a tombstone is ``deleted``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    version: int | None = None
    status: ChatStatus | None = None
    resolved_at: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True)
class MessageWrite:
    """A message's state to store (``fields``, ordered by ``order``), its words for its chat, and
    what its chat's statistics count of it the first time it is stored."""

    workspace_id: str
    chat_id: str
    message_id: str
    fields: dict[str, Any]
    order: int
    terms: list[str]
    author_type: str
    seq: int
    created_at: datetime
