"""Request and response models of the chats API."""

from __future__ import annotations

from livechat_shared.contracts import ChatMode, ChatSnapshot, ChatStatus
from pydantic import BaseModel


class ChatFilter(BaseModel):
    """What the chat table is filtered by; an empty list means "any"."""

    status: list[ChatStatus] = []
    mode: list[ChatMode] = []


class SyncPage(BaseModel):
    """Chats changed after a cursor, oldest change first, each as its latest snapshot."""

    items: list[ChatSnapshot]
    cursor: str
    """Pass back as ``since`` to continue."""
    more: bool
