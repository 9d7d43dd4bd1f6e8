"""Pure rules of the transcripts: who may download one, and how it reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from export.core.models import ChatRecord
from export.errors import ChatNotFound, DownloadForbidden
from export.transcripts.rules import check_may_download, check_visible, render, text_transcript
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import MessageView

T0 = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def view(seq: int, author: dict[str, str], text: str, **fields: object) -> MessageView:
    return MessageView.model_validate(
        {
            "id": f"m-{seq}",
            "chat_id": "chat-1",
            "seq": seq,
            "author": author,
            "text": text,
            "created_at": T0 + timedelta(seconds=seq),
            **fields,
        }
    )


MESSAGES = [
    view(1, {"type": "person"}, "Hello\nI need help"),
    view(2, {"type": "ai"}, "Sure, let me find someone."),
    view(3, {"type": "system"}, "Transferred to Sales"),
    view(
        4,
        {"type": "agent", "id": "u-1", "name": "Sam", "alias": "Support"},
        "Here is the invoice",
        attachments=[
            {"url": "https://files.example/i.pdf", "content_type": "application/pdf", "name": "i.pdf"}
        ],
    ),
]


def test_the_text_transcript_reads_as_a_conversation(make_chat: Callable[..., ChatRecord]) -> None:
    chat = make_chat(status="closed", mode="ai", rating={"score": 5, "comment": "Great"}).snapshot()
    assert text_transcript(chat, MESSAGES) == (
        "Transcript of chat chat-1\n"
        "App: Support (webchat)\n"
        "Person: Ann\n"
        "Status: closed (AI chat)\n"
        "Created: 2025-03-14T12:00:00Z\n"
        "Rating: 5 — Great\n"
        "\n"
        "[2025-03-14T12:00:01Z] Ann: Hello\n"
        "    I need help\n"
        "[2025-03-14T12:00:02Z] AI agent: Sure, let me find someone.\n"
        "[2025-03-14T12:00:03Z] System: Transferred to Sales\n"
        '[2025-03-14T12:00:04Z] Sam (as "Support"): Here is the invoice\n'
        "    attachment: i.pdf <https://files.example/i.pdf>\n"
    )


def test_the_json_transcript_is_the_chat_and_its_messages(make_chat: Callable[..., ChatRecord]) -> None:
    rendered = render(make_chat().snapshot(), MESSAGES, "json")
    body = json.loads(rendered.body)
    assert (rendered.media_type, rendered.filename) == ("application/json", "transcript-chat-1.json")
    assert body["chat"]["id"] == "chat-1"
    assert [m["seq"] for m in body["messages"]] == [1, 2, 3, 4]
    text = render(make_chat().snapshot(), [], "txt")
    assert (text.media_type, text.filename) == ("text/plain; charset=utf-8", "transcript-chat-1.txt")


def test_a_file_name_never_carries_what_a_header_cannot(make_chat: Callable[..., ChatRecord]) -> None:
    rendered = render(make_chat(_id='a"b\r\nc/d').snapshot(), [], "txt")
    assert rendered.filename == "transcript-a_b__c_d.txt"


def test_downloading_needs_the_download_permission_and_the_chat_in_scope(
    make_chat: Callable[..., ChatRecord],
) -> None:
    agent = Principal(user_id="u-2", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}))
    check_may_download(agent)  # agents hold it by their role
    teams_chat = make_chat(team_ids=["t-1"])
    assert check_visible(agent, teams_chat) is teams_chat
    for hidden in (make_chat(team_ids=["t-2"]), make_chat(team_ids=["t-1"], assignee_id="u-9"), None):
        with pytest.raises(ChatNotFound):
            check_visible(agent, hidden)

    class NoDownload(Principal):
        def has(self, permission: object) -> bool:
            return False

    with pytest.raises(DownloadForbidden):
        check_may_download(NoDownload(user_id="u-3", workspace_id="ws-1", role=Role.AGENT))
