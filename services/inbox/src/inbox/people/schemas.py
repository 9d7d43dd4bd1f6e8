"""Response model of a person."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.contracts import ChatSnapshot
from pydantic import BaseModel


class PersonView(BaseModel):
    """Someone who wrote on a channel app ("Unknown" when nameless), with the chats the caller may
    see, newest first."""

    id: str
    workspace_id: str
    app_id: str
    channel: str
    external_id: str
    name: str
    language: str | None = None
    created_at: datetime
    last_seen_at: datetime | None = None
    chats: list[ChatSnapshot]
