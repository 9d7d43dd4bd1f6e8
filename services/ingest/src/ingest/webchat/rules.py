"""Pure rules of webchat: visitor ids, what a person's message becomes, and reading socket frames."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from livechat_shared.contracts import MessageReceivedV1, MessageView, PersonRef
from pydantic import ValidationError

from ..core.models import App, WebchatSession
from .schemas import ErrorFrame, FrameError, MessageFrame, WebchatMessage


def new_visitor_id() -> str:
    return secrets.token_urlsafe(18)


def webchat_received(
    app: App, session: WebchatSession, message: WebchatMessage, received_at: datetime
) -> MessageReceivedV1:
    """The person's message as the channel-neutral event; a resend of the same
    ``client_message_id`` by the same visitor maps to the same ``external_message_id``."""
    return MessageReceivedV1(
        app_id=app.id,
        app_name=app.name,
        teamspace_id=app.teamspace_id,
        team_ids=app.team_ids,
        channel="webchat",
        external_message_id=f"{session.visitor_id}:{message.client_message_id}",
        person=PersonRef(external_id=session.visitor_id, name=session.name, language=session.language),
        text=message.text,
        attachments=message.attachments,
        received_at=received_at,
    )


def parse_frame(text: str) -> WebchatMessage | ErrorFrame:
    """A frame the person sent: a message to accept, or the error frame to answer with."""
    try:
        frame = json.loads(text)
    except ValueError:
        return _error("invalid_json", "frames are JSON objects")
    if not isinstance(frame, dict) or frame.get("type") != "message":
        return _error("unknown_frame", "send {type: 'message', ...}")
    try:
        return WebchatMessage.model_validate({k: v for k, v in frame.items() if k != "type"})
    except ValidationError as exc:
        return _error("validation_failed", str(exc.errors()[0]["msg"]))


def message_frame(cursor: int, message: MessageView) -> dict[str, Any]:
    """A message for the person, as the JSON their socket receives."""
    return MessageFrame(cursor=cursor, message=message).model_dump(mode="json")


def broker_unavailable_frame(client_message_id: str) -> ErrorFrame:
    return _error("broker_unavailable", "retry later", client_message_id)


def _error(code: str, message: str, client_message_id: str | None = None) -> ErrorFrame:
    return ErrorFrame(client_message_id=client_message_id, error=FrameError(code=code, message=message))
