"""Pure decisions of outbound delivery: the provider calls that carry a message, the provider's id of
the message in its answer, and which failures are worth another try."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from livechat_shared.contracts import MessageView

from .schemas import ProviderRequest


class SendFailed(Exception):
    """A provider did not take a message; ``retryable`` when another try may succeed. The text is what
    the agent reads: it never holds a credential (no URL, no header)."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.retryable = retryable


def retryable_status(status: int) -> bool:
    """429 (slow down) and 5xx (the provider's own trouble) may pass; any other refusal will not."""
    return status == 429 or status >= 500


def worth_retrying(exc: BaseException) -> bool:
    return isinstance(exc, SendFailed) and exc.retryable


def refused(channel: str, status: int, answer: Any) -> SendFailed:
    """A non-2xx answer, with the provider's own words (Meta's ``error.message``, Telegram's
    ``description``) so the agent sees why."""
    detail = None
    if isinstance(answer, dict):
        error = answer.get("error")
        detail = error.get("message") if isinstance(error, dict) else answer.get("description")
    words = detail[:300] if isinstance(detail, str) and detail else "no reason given"
    return SendFailed(f"{channel} answered {status}: {words}", retryable=retryable_status(status))


def text_parts(text: str, limit: int) -> list[str]:
    """``text`` cut in pieces the provider accepts (none for an empty text)."""
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def media_kind(content_type: str) -> str:
    """``image``, ``audio``, ``video`` or ``document``: how WhatsApp and Messenger send a file."""
    kind = content_type.split("/", 1)[0].strip().lower()
    return kind if kind in ("image", "audio", "video") else "document"


def credential(credentials: Mapping[str, str], name: str) -> str:
    value = credentials.get(name)
    if not value:
        raise SendFailed(f"the app has no {name}")
    return value


def whatsapp_requests(credentials: Mapping[str, str], to: str, message: MessageView) -> list[ProviderRequest]:
    """Cloud API messages: the text (up to 4096 characters each), then one message per attachment."""
    path = f"{credential(credentials, 'phone_number_id')}/messages"
    headers = {"Authorization": f"Bearer {credential(credentials, 'access_token')}"}
    to_person = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    bodies = [
        {**to_person, "type": "text", "text": {"body": part}} for part in text_parts(message.text, 4096)
    ]
    for attachment in message.attachments:
        kind = media_kind(attachment.content_type)
        bodies.append({**to_person, "type": kind, kind: {"link": attachment.url}})
    return [ProviderRequest(path, body, headers=headers) for body in bodies]


def messenger_requests(
    credentials: Mapping[str, str], to: str, message: MessageView
) -> list[ProviderRequest]:
    """Send API messages, answering the person (``RESPONSE``): the text (up to 2000 characters each),
    then one message per attachment."""
    params = {"access_token": credential(credentials, "page_access_token")}
    contents: list[dict[str, Any]] = [{"text": part} for part in text_parts(message.text, 2000)]
    for attachment in message.attachments:
        kind = media_kind(attachment.content_type).replace("document", "file")
        contents.append({"attachment": {"type": kind, "payload": {"url": attachment.url}}})
    return [
        ProviderRequest(
            "me/messages",
            {"recipient": {"id": to}, "messaging_type": "RESPONSE", "message": content},
            params=params,
        )
        for content in contents
    ]


def telegram_requests(credentials: Mapping[str, str], to: str, message: MessageView) -> list[ProviderRequest]:
    """Bot API calls: ``sendMessage`` (up to 4096 characters each), then ``sendPhoto`` for an image
    and ``sendDocument`` for any other file, by URL."""
    bot = f"bot{credential(credentials, 'bot_token')}"
    requests = [
        ProviderRequest(f"{bot}/sendMessage", {"chat_id": to, "text": part})
        for part in text_parts(message.text, 4096)
    ]
    for attachment in message.attachments:
        if media_kind(attachment.content_type) == "image":
            requests.append(ProviderRequest(f"{bot}/sendPhoto", {"chat_id": to, "photo": attachment.url}))
        else:
            requests.append(
                ProviderRequest(f"{bot}/sendDocument", {"chat_id": to, "document": attachment.url})
            )
    return requests


def whatsapp_message_id(answer: Any) -> str | None:
    """``{"messages": [{"id": "wamid..."}]}``."""
    try:
        return _text(answer["messages"][0]["id"])
    except (KeyError, IndexError, TypeError):
        return None


def messenger_message_id(answer: Any) -> str | None:
    """``{"message_id": "m_..."}``."""
    try:
        return _text(answer["message_id"])
    except (KeyError, TypeError):
        return None


def telegram_message_id(request: ProviderRequest, answer: Any) -> str | None:
    """``<chat_id>:<message_id>`` of ``{"ok": true, "result": {"message_id": N}}``: Telegram numbers
    messages per chat."""
    try:
        number = answer["result"]["message_id"] if answer["ok"] is True else None
    except (KeyError, TypeError):
        return None
    return f"{request.body['chat_id']}:{number}" if isinstance(number, int) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
