"""The records of the read model, typed; converted from and to documents at the repository boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.auth import ChatScope
from livechat_shared.contracts import (
    AppRef,
    Attachment,
    Author,
    ChatMode,
    ChatSnapshot,
    ChatStatus,
    DeliveryState,
    MessageView,
)
from livechat_shared.mongo import Document


class ChatRecord(Document):
    """A chat as the newest snapshot the inbox announced (``version``), and what the read model keeps
    beside it: ``resolved_at``, when the chat entered its current resolved/closed status (``None``
    while it is in neither). What it is found by — its words (``terms``, ``message_terms``), its
    custom fields' keys and ``<key>=<value>`` — is stored with it for the queries, and not loaded."""

    workspace_id: str
    teamspace_id: str
    app: AppRef
    person: dict[str, Any]
    mode: ChatMode
    status: ChatStatus
    assignee_id: str | None = None
    team_ids: list[str] = []
    description: str = ""
    tags: list[str] = []
    custom_fields: dict[str, Any] = {}
    rating: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None = None
    version: int
    resolved_at: datetime | None = None

    def scope(self) -> ChatScope:
        return ChatScope(
            workspace_id=self.workspace_id, assignee_id=self.assignee_id, team_ids=tuple(self.team_ids)
        )

    def snapshot(self) -> ChatSnapshot:
        """The chat as the inbox announced it."""
        return ChatSnapshot.model_validate(self.model_dump())


class MessageRecord(Document):
    """A message of a chat, in its newest known state (``order``: see ``projection.rules``)."""

    workspace_id: str
    chat_id: str
    seq: int
    author: Author
    text: str = ""
    attachments: list[Attachment] = []
    created_at: datetime
    delivery: DeliveryState | None = None

    def view(self) -> MessageView:
        return MessageView.model_validate(self.model_dump())
