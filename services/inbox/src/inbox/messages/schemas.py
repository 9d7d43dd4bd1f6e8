"""Request and response models of the messages API."""

from __future__ import annotations

from livechat_shared.contracts import Attachment, MessageView
from pydantic import BaseModel, ConfigDict, Field, model_validator


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=4096)
    attachments: list[Attachment] = Field(default=[], max_length=10)
    alias_id: str | None = Field(
        default=None, description="not available yet: a reply with it is refused (400)"
    )
    client_message_id: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _not_empty(self) -> ReplyCreate:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a reply needs text or at least one attachment")
        return self


class MessagePage(BaseModel):
    """A page of a chat's history in ``seq`` order; pass ``next_after_seq`` as ``after_seq`` for more."""

    items: list[MessageView]
    total: int
    page: int
    page_size: int
    next_after_seq: int
