"""Requests and answers of chat deletion, and its audit entries."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.mongo import Document
from livechat_shared.requests import Strict
from pydantic import BaseModel, Field

MAX_CHATS = 200
"""Chats one request may delete (the table's largest page)."""


class BulkDelete(Strict):
    chat_ids: list[str] = Field(min_length=1, max_length=MAX_CHATS)


class BulkDeleted(BaseModel):
    """How many chats were deleted, and the ids that were not (no such chat, or outside the caller's
    scope: the same answer, so nothing is learnt of other teams' chats)."""

    deleted: int
    not_found: list[str]


class Erased(BaseModel):
    """What the deletion of one chat erased in the inbox."""

    messages: int = 0
    notes: int = 0
    attachments: int = 0


class DeletionAudit(Document):
    """One deleted chat: who deleted it, when, and what went with it (the chat's content is gone)."""

    workspace_id: str
    chat_id: str
    teamspace_id: str
    person_id: str | None = None
    by: str
    by_name: str | None = None
    at: datetime
    erased: Erased
