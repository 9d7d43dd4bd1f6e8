"""Pure rules of webchat: visitor ids and their proof, what a person's message becomes, reading
socket frames and cursors."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime
from typing import Any

from livechat_shared.contracts import MessageReceivedV1, MessageView, PersonRef
from pydantic import ValidationError

from ..core.models import MAX_SAFE_INTEGER, App, WebchatSession
from .schemas import ErrorFrame, FrameError, MessageFrame, WebchatMessage

MAX_FRAME_DEPTH = 16
"""How deeply a frame's JSON may nest (a message frame needs 3 levels)."""

_CURSOR = re.compile(r"[0-9]{1,16}")


def new_visitor_id() -> str:
    return secrets.token_urlsafe(18)


# --- proving a visitor ------------------------------------------------------------------------


def visitor_hash(identity_secret: str, visitor_id: str) -> str:
    """The identity-verification signature of ``visitor_id``: hex HMAC-SHA256 under the app's secret
    (what the site's backend computes for its own user id)."""
    return hmac.new(identity_secret.encode(), visitor_id.encode(), hashlib.sha256).hexdigest()


def visitor_proven(
    app: App, visitor_id: str, proof_session: WebchatSession | None, given_hash: str | None
) -> bool:
    """Whether a new session may be issued for ``visitor_id`` on ``app``: the caller holds a live
    session of that very visitor on this app (``proof_session``, already checked unexpired), or
    ``given_hash`` is the visitor id's signature under the app's identity secret."""
    if proof_session is not None and (proof_session.app_id, proof_session.visitor_id) == (
        app.id,
        visitor_id,
    ):
        return True
    if given_hash is None or not app.identity_secret:
        return False
    return hmac.compare_digest(visitor_hash(app.identity_secret, visitor_id), given_hash.lower())


def seconds_left(session: WebchatSession, now: datetime) -> float:
    """How long the session still opens its socket (0 once expired)."""
    return max(0.0, (session.expires_at - now).total_seconds())


def parse_after(raw: str | None) -> int | None:
    """The socket's ``?after=`` cursor (0 when absent), or None when it is not an integer from 0 to
    2**53-1."""
    if raw is None:
        return 0
    if not _CURSOR.fullmatch(raw):
        return None
    after = int(raw)
    return after if after <= MAX_SAFE_INTEGER else None


# --- the person's messages --------------------------------------------------------------------


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


# --- frames the person sends ------------------------------------------------------------------


def read_frame(text: str | None, max_bytes: int) -> WebchatMessage | ErrorFrame:
    """A WebSocket frame the person sent (``text``, or None for a binary frame): a message to accept,
    or the error frame to answer with. Nothing a frame holds raises."""
    if text is None:
        return _error("binary_not_supported", "frames are JSON text; binary frames are not read")
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        return _error("frame_too_large", f"a frame is at most {max_bytes} bytes")
    return parse_frame(text)


def parse_frame(text: str) -> WebchatMessage | ErrorFrame:
    """A text frame the person sent: a message to accept, or the error frame to answer with."""
    if nests_deeper_than(text, MAX_FRAME_DEPTH):
        return _error("invalid_json", f"frames are JSON objects nested at most {MAX_FRAME_DEPTH} levels")
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return _error("invalid_json", "frames are JSON objects")
    if not isinstance(frame, dict) or frame.get("type") != "message":
        return _error("unknown_frame", "send {type: 'message', ...}")
    try:
        return WebchatMessage.model_validate({k: v for k, v in frame.items() if k != "type"})
    except ValidationError as exc:
        return _error("validation_failed", str(exc.errors()[0]["msg"]))


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether ``text``'s JSON arrays and objects nest deeper than ``limit`` (brackets inside JSON
    strings do not count). Read before parsing, so a deep frame never reaches the recursive parser."""
    if text.count("[") + text.count("{") <= limit:  # cannot nest deeper: the common case, in C
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


# --- frames sent to the person ----------------------------------------------------------------


def message_frame(cursor: int, message: MessageView) -> dict[str, Any]:
    """A message for the person, as the JSON their socket receives."""
    return MessageFrame(cursor=cursor, message=message).model_dump(mode="json")


def broker_unavailable_frame(client_message_id: str) -> ErrorFrame:
    return _error("broker_unavailable", "retry later", client_message_id)


def rate_limited_frame(client_message_id: str, message: str, retry_after: int) -> ErrorFrame:
    return ErrorFrame(
        client_message_id=client_message_id,
        error=FrameError(code="rate_limited", message=message, retry_after=retry_after),
    )


def _error(code: str, message: str, client_message_id: str | None = None) -> ErrorFrame:
    return ErrorFrame(client_message_id=client_message_id, error=FrameError(code=code, message=message))
