"""Pure rules of the projection: which snapshot or message state is kept, and what is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from export.projection.rules import (
    chat_document,
    chat_takes_message,
    message_document,
    message_order,
    message_state_applies,
    message_write,
    resolved_at,
    snapshot_applies,
)
from export.projection.schemas import ChatState
from livechat_shared.contracts import Author, ChatSnapshot, MessageCreatedV1, MessageView

T0 = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def snapshot(version: int = 3, status: str = "open", **fields: Any) -> ChatSnapshot:
    values: dict[str, Any] = {
        "id": "01JCHAT",
        "workspace_id": "ws-1",
        "teamspace_id": "ts-1",
        "app": {"id": "app-1", "channel": "webchat"},
        "person": {"id": "p-1", "name": "Zoë Brûlée"},
        "mode": "live",
        "status": status,
        "created_at": T0,
        "updated_at": T0 + timedelta(minutes=version),
        "version": version,
    }
    return ChatSnapshot.model_validate({**values, **fields})


@pytest.mark.parametrize(
    ("stored", "version", "applies"),
    [
        (None, 1, True),  # a chat not seen yet
        (ChatState(version=-1), 1, True),  # a stub: its messages came first
        (ChatState(version=3), 4, True),
        (ChatState(version=3), 3, False),  # the same snapshot again
        (ChatState(version=3), 2, False),  # an older one, late
        (ChatState(deleted=True), 9, False),  # never back after a deletion
    ],
)
def test_only_a_newer_snapshot_is_kept(stored: ChatState | None, version: int, applies: bool) -> None:
    assert snapshot_applies(stored, version) is applies


def test_a_snapshot_never_lands_on_another_workspaces_chat() -> None:
    assert snapshot_applies(ChatState(workspace_id="ws-1", version=1), 2, "ws-1")
    assert not snapshot_applies(ChatState(workspace_id="ws-2", version=1), 2, "ws-1")
    assert snapshot_applies(ChatState(workspace_id="ws-1", version=-1), 1, "ws-1")  # its stub


def test_a_message_state_is_kept_over_none_or_an_earlier_state_of_the_same_chats_message() -> None:
    view = MessageView(
        id="m-1", chat_id="01JCHAT", seq=1, author=Author(type="person"), text="Hi", created_at=T0
    )
    write = message_write(
        "ws-1", MessageCreatedV1(chat_version=4, teamspace_id="ts-1", mode="live", message=view)
    )
    assert message_state_applies(None, write)
    assert message_state_applies({"chat_id": write.chat_id, "order": write.order - 1}, write)
    assert not message_state_applies({"chat_id": write.chat_id, "order": write.order}, write)  # again
    assert not message_state_applies({"chat_id": write.chat_id, "order": write.order + 5}, write)  # late
    assert not message_state_applies({"chat_id": "another", "order": 0}, write)  # another chat's id


def test_a_new_message_goes_to_an_unseen_chat_or_a_live_one_of_its_workspace() -> None:
    assert chat_takes_message(None, "ws-1")  # a stub is made
    assert chat_takes_message(ChatState(workspace_id="ws-1", version=2), "ws-1")
    assert not chat_takes_message(ChatState(workspace_id="ws-1", deleted=True), "ws-1")
    assert not chat_takes_message(ChatState(workspace_id="ws-2", version=2), "ws-1")


def test_resolved_at_is_when_the_chat_entered_its_resolved_or_closed_status() -> None:
    resolved = snapshot(5, "resolved")
    assert resolved_at(ChatState(version=4, status="open"), resolved) == resolved.updated_at
    assert resolved_at(None, resolved) == resolved.updated_at  # first seen resolved: the best known
    earlier = T0 + timedelta(minutes=1)
    kept = ChatState(version=5, status="resolved", resolved_at=earlier)
    assert resolved_at(kept, snapshot(6, "closed")) == earlier  # resolved, then closed: still resolved then
    assert resolved_at(kept, snapshot(7, "open")) is None  # reopened


def test_a_stored_chat_has_its_snapshot_and_the_words_it_is_found_by() -> None:
    chat = snapshot(description="Needs a REFUND", custom_fields={"priority": "high", "note": "", "n": None})
    stored = chat_document(chat, None)
    assert "id" not in stored and stored["version"] == 3 and stored["workspace_id"] == "ws-1"
    assert stored["terms"] == ["01jchat", "brulee", "needs", "refund", "zoe"]  # "a": too short
    assert stored["custom_field_keys"] == ["priority"]  # keys with a value
    assert stored["resolved_at"] is None


def test_a_later_message_state_replaces_an_earlier_one() -> None:
    assert message_order(5, None) < message_order(5, "sent") < message_order(5, "delivered")
    assert message_order(5, "read") < message_order(6, "pending")  # a later chat version wins
    assert message_order(5, "failed") < message_order(5, "sent")  # a retry that got through
    view = MessageView(
        id="m-1", chat_id="01JCHAT", seq=2, author={"type": "agent", "id": "u-1"}, text="Hi", created_at=T0
    )
    event = MessageCreatedV1(chat_version=7, teamspace_id="ts-1", mode="live", message=view)
    stored = message_document("ws-1", event)
    assert stored["order"] == message_order(7, None)
    assert (stored["chat_id"], stored["seq"], stored["workspace_id"], stored["text"]) == (
        "01JCHAT",
        2,
        "ws-1",
        "Hi",
    )
    assert "id" not in stored


def test_storing_a_message_writes_its_state_its_words_and_what_its_chat_counts() -> None:
    view = MessageView(
        id="m-9",
        chat_id="01JCHAT",
        seq=4,
        author={"type": "ai"},
        text="Crème brûlée, CRÈME!",
        created_at=T0,
        delivery="sent",
    )
    event = MessageCreatedV1(chat_version=3, teamspace_id="ts-1", mode="ai", message=view)
    write = message_write("ws-1", event)
    assert (write.workspace_id, write.chat_id, write.message_id) == ("ws-1", "01JCHAT", "m-9")
    assert write.fields == message_document("ws-1", event) and write.order == message_order(3, "sent")
    assert write.terms == ["brulee", "creme"]
    assert (write.author_type, write.seq, write.created_at) == ("ai", 4, T0)
