"""Value objects that several contracts carry."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Channel = Literal["webchat", "whatsapp", "messenger", "telegram", "api"]
AuthorType = Literal["person", "ai", "agent", "system"]
ChatMode = Literal["ai", "live"]
ChatStatus = Literal["open", "pending", "overdue", "resolved", "closed"]
DeliveryState = Literal["pending", "sent", "delivered", "read", "failed"]


class Attachment(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str = Field(max_length=2048)
    """An ``http(s)`` address; other schemes (``javascript:``, ``data:``) are refused."""
    content_type: str = Field(max_length=200)
    name: str | None = Field(default=None, max_length=300)
    size: int | None = Field(default=None, ge=0, le=2**53 - 1)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        scheme, _, rest = value.partition(":")
        if scheme.strip().lower() not in ("http", "https") or not rest.startswith("//") or len(rest) < 3:
            raise ValueError("an attachment url must be an http(s) address")
        return value


class PersonRef(BaseModel):
    """A person as a channel identifies them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    external_id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=35)


class Author(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: AuthorType
    id: str | None = None
    name: str | None = None
    alias: str | None = None


class AppRef(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    channel: Channel
    name: str | None = None


class HandoffTarget(BaseModel):
    """Who a chat handed to the live agents may go to (the Human Handoff's options): these users and
    the members of these teams (both empty: every user of the teamspace), optionally those who speak
    the person's ``language``, and only online agents when ``availability_check``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    user_ids: list[str] = Field(default=[], max_length=100)
    team_ids: list[str] = Field(default=[], max_length=100)
    language: str | None = Field(default=None, max_length=35)
    availability_check: bool = True
