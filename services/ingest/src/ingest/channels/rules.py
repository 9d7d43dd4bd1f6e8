"""Pure rules of the provider channels: who may post (signatures, secrets, keys, the verification
handshake) and how each provider's payload becomes channel-neutral messages."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from livechat_shared.contracts import Attachment, Channel, MessageReceivedV1, PersonRef
from pydantic import ValidationError

from ..core.models import App
from .schemas import (
    ApiMessage,
    MessengerPayload,
    MsEvent,
    TelegramUpdate,
    TgMessage,
    TgUser,
    WaMessage,
    WhatsAppPayload,
)

SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class Incoming:
    """One person's message as a channel delivered it, before it is tied to an app."""

    external_message_id: str
    person: PersonRef
    text: str = ""
    attachments: tuple[Attachment, ...] = ()


StatusState = Literal["sent", "delivered", "read", "failed"]


@dataclass(frozen=True)
class Status:
    """The provider's progress on a message we sent (a status callback), by its id there."""

    provider_message_id: str
    state: StatusState
    error: str | None = None


@dataclass(frozen=True)
class Parsed:
    """A delivery's messages, its status callbacks, and how many of its events were neither (echoes,
    reads by watermark, kinds we do not take)."""

    messages: tuple[Incoming, ...]
    ignored: int = 0
    statuses: tuple[Status, ...] = ()


class Malformed(ValueError):
    """The body is not the provider's payload (not JSON, or not its shape)."""


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a shared secret (a missing one never matches)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` is the HMAC-SHA256 of the raw body with the app secret
    (compared in constant time)."""
    if not header or not header.startswith(SIGNATURE_PREFIX) or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len(SIGNATURE_PREFIX) :].strip().lower().encode())


def handshake_answer(
    verify_token: str, mode: str | None, token: str | None, challenge: str | None
) -> str | None:
    """The challenge to echo when the provider's subscription check carries our verify token;
    ``None``: refuse it."""
    if mode != "subscribe" or challenge is None or not same_secret(verify_token, token):
        return None
    return challenge


def received(app: App, incoming: Incoming, at: datetime) -> MessageReceivedV1:
    """The channel-neutral event of a message on ``app``."""
    return MessageReceivedV1(
        app_id=app.id,
        app_name=app.name,
        teamspace_id=app.teamspace_id,
        team_ids=app.team_ids,
        channel=app.channel,
        external_message_id=incoming.external_message_id,
        person=incoming.person,
        text=incoming.text,
        attachments=list(incoming.attachments),
        received_at=at,
    )


def parse(channel: Channel, body: bytes, media_base_url: str = "") -> Parsed:
    """A provider's delivery as messages; raises :class:`Malformed`."""
    try:
        if channel == "whatsapp":
            return _whatsapp(WhatsAppPayload.model_validate_json(body), media_base_url)
        if channel == "messenger":
            return _messenger(MessengerPayload.model_validate_json(body))
        if channel == "telegram":
            return _telegram(TelegramUpdate.model_validate_json(body))
        if channel == "api":
            message = ApiMessage.model_validate_json(body)
            return Parsed(
                (
                    Incoming(
                        message.external_message_id, message.person, message.text, tuple(message.attachments)
                    ),
                )
            )
    except ValidationError as error:
        raise Malformed(_first_problem(error)) from None
    raise Malformed(f"{channel} has no webhook")


def _first_problem(error: ValidationError) -> str:
    problem = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in problem["loc"]) or "body"
    return f"{where}: {problem['msg']}"


# --- WhatsApp ---


_WA_STATES: dict[str, StatusState] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}


def _whatsapp(payload: WhatsAppPayload, media_base_url: str) -> Parsed:
    messages: list[Incoming] = []
    statuses: list[Status] = []
    ignored = 0
    for entry in payload.entry:
        for change in entry.changes:
            value = change.value
            names = {c.wa_id: c.profile.name for c in value.contacts}
            for status in value.statuses:
                state = _WA_STATES.get(status.status)
                if state is None:  # "deleted", "warning"...
                    ignored += 1
                    continue
                error = "; ".join(e.title or e.message or str(e.code) for e in status.errors) or None
                statuses.append(Status(status.id, state, error if state == "failed" else None))
            for message in value.messages:
                incoming = _wa_message(message, names.get(message.from_), media_base_url)
                if incoming is None:
                    ignored += 1
                else:
                    messages.append(incoming)
    return Parsed(tuple(messages), ignored, tuple(statuses))


def _wa_message(message: WaMessage, name: str | None, media_base_url: str) -> Incoming | None:
    person = PersonRef(external_id=message.from_, name=name)
    text, attachments = "", list[Attachment]()
    media = message.image or message.audio or message.video or message.document or message.sticker
    if message.type == "text" and message.text is not None:
        text = message.text.body
    elif message.type in ("image", "audio", "video", "document", "sticker") and media is not None:
        text = media.caption or ""
        attachments.append(
            Attachment(
                url=f"{media_base_url.rstrip('/')}/{media.id}",
                content_type=media.mime_type,
                name=media.filename,
            )
        )
    elif message.type == "location" and message.location is not None:
        text = _location(
            message.location.latitude,
            message.location.longitude,
            message.location.name,
            message.location.address,
        )
    elif message.type == "button" and message.button is not None:
        text = message.button.text
    elif message.type == "interactive" and message.interactive is not None:
        reply = message.interactive.button_reply or message.interactive.list_reply
        if reply is None:
            return None
        text = reply.title
    else:
        return None
    return Incoming(message.id, person, text, tuple(attachments))


def _location(latitude: float, longitude: float, name: str | None = None, address: str | None = None) -> str:
    place = ", ".join(p for p in (name, address) if p)
    where = f"{latitude:.6f},{longitude:.6f}"
    return f"📍 {place} ({where})" if place else f"📍 {where}"


# --- Messenger ---


def _messenger(payload: MessengerPayload) -> Parsed:
    messages: list[Incoming] = []
    statuses: list[Status] = []
    ignored = 0
    for entry in payload.entry:
        for event in entry.messaging:
            if event.delivery is not None and event.delivery.mids:
                statuses += [Status(mid, "delivered") for mid in event.delivery.mids]
                continue
            incoming = _ms_event(event)
            if incoming is None:
                ignored += 1  # reads (by watermark, naming no message), reactions, echoes...
            else:
                messages.append(incoming)
    return Parsed(tuple(messages), ignored, tuple(statuses))


def _ms_event(event: MsEvent) -> Incoming | None:
    person = PersonRef(external_id=event.sender.id)
    if event.message is not None:
        message = event.message
        if message.is_echo:  # our own reply, sent through the page
            return None
        attachments = tuple(
            Attachment(
                url=a.payload.url, content_type=_MESSENGER_TYPES.get(a.type, "application/octet-stream")
            )
            for a in message.attachments
            if a.payload is not None and a.payload.url and _http(a.payload.url)
        )
        if not message.text and not attachments:
            return None
        return Incoming(message.mid, person, message.text or "", attachments)
    if event.postback is not None and event.postback.mid:
        return Incoming(event.postback.mid, person, event.postback.title or event.postback.payload or "")
    return None  # deliveries, reads, reactions...


_MESSENGER_TYPES = {
    "image": "image/*",
    "audio": "audio/*",
    "video": "video/*",
    "file": "application/octet-stream",
}


def _http(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


# --- Telegram ---


def _telegram(update: TelegramUpdate) -> Parsed:
    if update.message is not None:
        incoming = _tg_message(update.message)
    elif update.callback_query is not None and update.callback_query.data is not None:
        query = update.callback_query
        incoming = Incoming(f"callback:{query.id}", _tg_person(query.from_), query.data or "")
    else:
        incoming = None  # edits, channel posts, other updates
    return Parsed(() if incoming is None else (incoming,), 0 if incoming is not None else 1)


def _tg_message(message: TgMessage) -> Incoming | None:
    if message.from_ is None or message.from_.is_bot:
        return None
    text = message.text or message.caption or ""
    if message.location is not None:
        text = _location(message.location.latitude, message.location.longitude)
    kinds = [k for k in ("photo", "document", "voice", "video") if getattr(message, k)]
    if kinds and not text:
        text = f"[{kinds[0]}]"
    if not text:
        return None
    return Incoming(f"{message.chat.id}:{message.message_id}", _tg_person(message.from_), text)


def _tg_person(user: TgUser) -> PersonRef:
    name = " ".join(p for p in (user.first_name, user.last_name) if p) or user.username
    return PersonRef(external_id=str(user.id), name=(name or "")[:200] or None, language=user.language_code)
