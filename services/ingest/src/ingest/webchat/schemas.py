"""Request and response models of the webchat API, and the frames of the person's WebSocket."""

from __future__ import annotations

import re
from datetime import datetime
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
    """Without ``visitor_id``, a new visitor. With one, proof of being that visitor: a valid session
    token of the same visitor as ``Authorization: Bearer``, or ``visitor_hash``."""

    model_config = ConfigDict(extra="forbid")

    visitor_id: str | None = None
    visitor_hash: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{64}$",
        description=(
            "Identity verification: hex HMAC-SHA256 of `visitor_id` under the app's `identity_secret`, "
            "computed by the site's backend for its own user id."
        ),
    )
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=35)

    @field_validator("visitor_id")
    @classmethod
    def _visitor_id_shape(cls, value: str | None) -> str | None:
        if value is not None and not VISITOR_ID.fullmatch(value):
            raise ValueError("visitor_id must be 8-64 characters of letters, digits, '-' or '_'")
        return value

    @model_validator(mode="after")
    def _hash_names_a_visitor(self) -> SessionCreate:
        if self.visitor_hash is not None and self.visitor_id is None:
            raise ValueError("visitor_hash needs the visitor_id it signs")
        return self


class SessionOut(BaseModel):
    session_token: str
    """Shown once: send it as ``Authorization: Bearer`` and as the socket's ``?token=``; it also
    proves the visitor when a new session is asked for them (before it expires)."""
    visitor_id: str
    expires_at: datetime
    """When the token stops working (a live socket is closed then, code 4001)."""


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


class _NoticeOnlyWhenSet(BaseModel):
    """An answer to a person's message: ``notice`` is left out unless there is one (a banned person
    told why), so other answers read as they always did."""

    @model_serializer(mode="wrap")
    def _without_empty_notice(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        answer: dict[str, Any] = handler(self)
        if answer.get("notice") is None:
            answer.pop("notice", None)
        return answer


class Accepted(_NoticeOnlyWhenSet):
    """The broker holds the message (``accepted``), it was accepted before (``duplicate``), or the
    person is banned and it stopped here (``banned``, with the service's notice if one is set)."""

    status: Acceptance
    client_message_id: str
    notice: str | None = None


# --- frames of WS /v1/webchat/{app_id}/ws -------------------------------------------------------


class MessageFrame(BaseModel):
    """A message for the person; ``cursor`` is what they pass as ``?after=`` when they reconnect."""

    type: Literal["message"] = "message"
    cursor: int
    message: MessageView


class AckFrame(_NoticeOnlyWhenSet):
    type: Literal["ack"] = "ack"
    client_message_id: str
    status: Acceptance
    notice: str | None = None
    """With ``banned``: what the person is told (the service's ban notice), if anything; left out of
    the frame otherwise."""


class FrameError(BaseModel):
    code: str
    message: str
    retry_after: int | None = None
    """Seconds to wait, when the code is ``rate_limited``."""

    @model_serializer(mode="wrap")
    def _without_missing_retry(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("retry_after") is None:
            data.pop("retry_after", None)
        return data


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
