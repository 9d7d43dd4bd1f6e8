"""Pure rules of the channel edge: app credentials, webchat sessions and message normalisation."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from typing import Any

from livechat_shared.events import Attachment, Channel, MessageReceivedV1, PersonRef
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REQUIRED_CREDENTIALS: dict[str, tuple[str, ...]] = {
    "webchat": (),
    "api": (),
    "whatsapp": ("app_secret", "verify_token", "access_token", "phone_number_id"),
    "messenger": ("app_secret", "verify_token", "page_access_token"),
    "telegram": ("bot_token", "secret_token"),
}

VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class AppCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teamspace_id: str = Field(min_length=1, max_length=64)
    channel: Channel
    name: str = Field(min_length=1, max_length=120)
    credentials: dict[str, str] = {}
    team_ids: list[str] = Field(default=[], max_length=50)

    @model_validator(mode="after")
    def _credentials_fit_channel(self) -> AppCreate:
        required = REQUIRED_CREDENTIALS[self.channel]
        missing = [k for k in required if not self.credentials.get(k)]
        if missing:
            raise ValueError(f"{self.channel} credentials need: {', '.join(missing)}")
        unknown = sorted(set(self.credentials) - set(required))
        if unknown:
            raise ValueError(f"unknown credentials for {self.channel}: {', '.join(unknown)}")
        return self


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visitor_id: str | None = None
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=35)

    @field_validator("visitor_id")
    @classmethod
    def _visitor_id_shape(cls, value: str | None) -> str | None:
        if value is not None and not VISITOR_ID.fullmatch(value):
            raise ValueError("visitor_id must be 8-64 characters of letters, digits, '-' or '_'")
        return value


class WebchatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=4096)
    attachments: list[Attachment] = Field(default=[], max_length=10)
    client_message_id: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _not_empty(self) -> WebchatMessage:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a message needs text or at least one attachment")
        return self


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_visitor_id() -> str:
    return secrets.token_urlsafe(18)


def digest(secret: str) -> str:
    """What is stored instead of a session token or API key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def public_app(doc: dict[str, Any]) -> dict[str, Any]:
    """An app as the API shows it: secrets never leave the service."""
    return {
        "id": doc["_id"],
        "workspace_id": doc["workspace_id"],
        "teamspace_id": doc["teamspace_id"],
        "team_ids": doc.get("team_ids", []),
        "channel": doc["channel"],
        "name": doc["name"],
        "credentials": sorted(doc.get("credentials", {})),
        "created_at": doc["created_at"],
    }


def webchat_received(
    app: dict[str, Any], session: dict[str, Any], message: WebchatMessage, received_at: datetime
) -> MessageReceivedV1:
    return MessageReceivedV1(
        app_id=app["_id"],
        app_name=app["name"],
        teamspace_id=app["teamspace_id"],
        team_ids=app.get("team_ids", []),
        channel="webchat",
        external_message_id=f"{session['visitor_id']}:{message.client_message_id}",
        person=PersonRef(
            external_id=session["visitor_id"], name=session.get("name"), language=session.get("language")
        ),
        text=message.text,
        attachments=message.attachments,
        received_at=received_at,
    )
