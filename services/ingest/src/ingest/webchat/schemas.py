"""Request and response models of the webchat API, and the frames of the person's WebSocket."""

from __future__ import annotations

import re
from typing import Any, Literal

from livechat_shared.contracts import Attachment, MessageView
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from ..core.inbound import Acceptance

VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
"""What a client-chosen visitor id may look like (``:`` is kept out: it separates ids in keys)."""


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


class SessionOut(BaseModel):
    session_token: str
    """Shown once: send it as ``Authorization: Bearer`` and as the socket's ``?token=``."""
    visitor_id: str


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


class Accepted(BaseModel):
    """The broker holds the message (``accepted``), or it was accepted before (``duplicate``)."""

    status: Acceptance
    client_message_id: str


# --- frames of WS /v1/webchat/{app_id}/ws -------------------------------------------------------


class MessageFrame(BaseModel):
    """A message for the person; ``cursor`` is what they pass as ``?after=`` when they reconnect."""

    type: Literal["message"] = "message"
    cursor: int
    message: MessageView


class AckFrame(BaseModel):
    type: Literal["ack"] = "ack"
    client_message_id: str
    status: Acceptance


class FrameError(BaseModel):
    code: str
    message: str


class ErrorFrame(BaseModel):
    """A refused frame; ``client_message_id`` is present when the frame was a valid message."""

    type: Literal["error"] = "error"
    client_message_id: str | None = None
    error: FrameError

    @model_serializer(mode="wrap")
    def _without_missing_id(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("client_message_id") is None:
            data.pop("client_message_id", None)
        return data


Frame = MessageFrame | AckFrame | ErrorFrame
