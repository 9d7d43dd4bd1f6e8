"""The reply body: what it needs, what it refuses, and its limits (one table)."""

from __future__ import annotations

import pytest
from inbox.messages.schemas import ReplyCreate
from pydantic import ValidationError

# --- replies ----------------------------------------------------------------------------------


def test_reply_with_text() -> None:
    reply = ReplyCreate(text="On its way!", client_message_id="c-1")
    assert reply.attachments == []
    assert reply.alias_id is None


def test_reply_with_only_an_attachment() -> None:
    reply = ReplyCreate(
        attachments=[{"url": "https://files.example/label.pdf", "content_type": "application/pdf"}],
        client_message_id="c-2",
    )
    assert reply.text == ""
    assert reply.attachments[0].content_type == "application/pdf"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_reply_without_text_or_attachment_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="needs text or at least one attachment"):
        ReplyCreate(text=text, client_message_id="c-3")


def test_reply_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError) as info:
        ReplyCreate(text="hi", client_message_id="c-4", assignee_id="agent-1")
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_reply_needs_a_client_message_id() -> None:
    with pytest.raises(ValidationError):
        ReplyCreate(text="hi")
    with pytest.raises(ValidationError):
        ReplyCreate(text="hi", client_message_id="")
    with pytest.raises(ValidationError):
        ReplyCreate(text="hi", client_message_id="x" * 101)


def test_reply_limits() -> None:
    ReplyCreate(text="x" * 4096, client_message_id="c-5")
    with pytest.raises(ValidationError):
        ReplyCreate(text="x" * 4097, client_message_id="c-5")
    attachment = {"url": "https://files.example/a.png", "content_type": "image/png"}
    ReplyCreate(attachments=[attachment] * 10, client_message_id="c-6")
    with pytest.raises(ValidationError):
        ReplyCreate(attachments=[attachment] * 11, client_message_id="c-6")
