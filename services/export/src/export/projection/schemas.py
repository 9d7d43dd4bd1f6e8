"""What the projection reads back of a stored chat before applying an event to it, and what it
stores of a snapshot or a message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livechat_shared.contracts import ChatSnapshot, ChatStatus
from pydantic import BaseModel, ConfigDict


class ChatState(BaseModel):
    """A stored chat's workspace, version and status (a stub has version -1; a tombstone is
    ``deleted``), and its message statistics."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    workspace_id: str | None = None
    version: int | None = None
    status: ChatStatus | None = None
    resolved_at: datetime | None = None
    deleted: bool = False
    stats: dict[str, Any] | None = None


@dataclass(frozen=True)
class SnapshotWrite:
    """A chat's snapshot to store."""

    workspace_id: str
    chat: ChatSnapshot

    @property
    def chat_id(self) -> str:
        return self.chat.id


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


Write = SnapshotWrite | MessageWrite
"""What the projection stores for one event (several, of different chats, are stored together)."""
