"""Pure rules of the transcripts: who may download one, and how it reads as text and as JSON."""

from __future__ import annotations

import re

from livechat_shared.auth import Permission, Principal, can_see_chat
from livechat_shared.contracts import Author, ChatSnapshot, MessageView

from ..core.models import ChatRecord
from ..core.times import iso
from ..errors import ChatNotFound, DownloadForbidden
from .schemas import RenderedTranscript, Transcript, TranscriptFormat


def check_may_download(user: Principal) -> None:
    if not user.has(Permission.DOWNLOAD):
        raise DownloadForbidden()


def check_visible(user: Principal, chat: ChatRecord | None) -> ChatRecord:
    """The chat, if the user may see it; a chat outside their scope does not exist for them."""
    if chat is None or not can_see_chat(user, chat.scope()):
        raise ChatNotFound()
    return chat


def author_label(author: Author, person_name: str) -> str:
    if author.type == "person":
        return person_name
    if author.type == "ai":
        return "AI agent"
    if author.type == "system":
        return "System"
    name = author.name or author.id or "Agent"
    return f'{name} (as "{author.alias}")' if author.alias else name


def text_transcript(chat: ChatSnapshot, messages: list[MessageView]) -> str:
    """The transcript as plain text: a header with the chat's details, then a line per message
    (``[time] who: text``; further lines of a message and its attachments indented)."""
    person = str(chat.person.get("name") or "Unknown")
    app = chat.app.name or chat.app.id
    lines = [
        f"Transcript of chat {chat.id}",
        f"App: {app} ({chat.app.channel})",
        f"Person: {person}",
        f"Status: {chat.status} ({'AI chat' if chat.mode == 'ai' else 'livechat'})",
        f"Created: {iso(chat.created_at)}",
    ]
    if chat.rating:
        score, comment = chat.rating.get("score"), chat.rating.get("comment")
        lines.append(f"Rating: {score}" + (f" — {comment}" if comment else ""))
    lines.append("")
    for message in messages:
        first, *rest = message.text.splitlines() or [""]
        lines.append(f"[{iso(message.created_at)}] {author_label(message.author, person)}: {first}")
        lines.extend(f"    {line}" for line in rest)
        lines.extend(f"    attachment: {a.name or a.content_type} <{a.url}>" for a in message.attachments)
    return "\n".join(lines) + "\n"


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def render(chat: ChatSnapshot, messages: list[MessageView], format: TranscriptFormat) -> RenderedTranscript:
    name = f"transcript-{_UNSAFE.sub('_', chat.id)[:80]}.{format}"
    if format == "json":
        body = Transcript(chat=chat, messages=messages).model_dump_json()
        return RenderedTranscript(body=body, media_type="application/json", filename=name)
    return RenderedTranscript(
        body=text_transcript(chat, messages), media_type="text/plain; charset=utf-8", filename=name
    )
