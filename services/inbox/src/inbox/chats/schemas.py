"""Request and response models of the chats API."""

from __future__ import annotations

from typing import Any

from livechat_shared.contracts import ChatSnapshot, ChatStatus
from pydantic import BaseModel, ConfigDict, Field


class SyncPage(BaseModel):
    """Chats changed after a cursor, oldest change first, each as its latest snapshot, and the ids
    of chats deleted after it."""

    items: list[ChatSnapshot]
    deleted: list[str] = Field(default_factory=list)
    """Ids of chats deleted after the cursor that the caller could see when they were deleted,
    oldest deletion first: drop them (an id the client never held may come; ignore it)."""
    cursor: str
    """Pass back as ``since`` to continue."""
    more: bool


class ChatPatch(BaseModel):
    """What an agent may change on a chat; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=2000)
    status: ChatStatus | None = None
    """``open``, ``pending``, ``resolved`` or ``closed`` (``overdue`` is set by the reply-time rule)."""
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=100)
    """Field key → value, validated by the teamspace's field definitions; ``null`` clears a field."""


class ChatTag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag_id: str = Field(min_length=1, max_length=64)
