"""The records of the read model, typed; converted from and to documents at the repository boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from livechat_shared.auth import ChatScope
from livechat_shared.contracts import ChatSnapshot, MessageView
from pydantic import ConfigDict, Field


class _Stored:
    """Read from a document (``_id`` is the id); unknown fields, such as what a record is found by,
    are ignored."""

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls.model_validate(doc)  # type: ignore[attr-defined, no-any-return]


class ChatRecord(_Stored, ChatSnapshot):
    """A chat as the newest snapshot the inbox announced (``version``), and what the read model keeps
    beside it: ``resolved_at``, when the chat entered its current resolved/closed status (``None``
    while it is in neither). What it is found by — its words (``terms``, ``message_terms``), its
    custom fields' keys and ``<key>=<value>`` — is stored with it for the queries, and not loaded."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    id: str = Field(alias="_id")
    resolved_at: datetime | None = None

    def scope(self) -> ChatScope:
        return ChatScope(
            workspace_id=self.workspace_id, assignee_id=self.assignee_id, team_ids=tuple(self.team_ids)
        )

    def snapshot(self) -> ChatSnapshot:
        """The chat as the inbox announced it."""
        return ChatSnapshot.model_validate(self.model_dump())


class MessageRecord(_Stored, MessageView):
    """A message of a chat, in its newest known state (``order``: see ``projection.rules``)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    id: str = Field(alias="_id")
    workspace_id: str

    def view(self) -> MessageView:
        return MessageView.model_validate(self.model_dump())
