"""A note's change on the stream: a ``note.changed`` frame at the chat's version, for those who may
see the chat."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.realtime.rules import STREAM_KEYS, frame_for
from livechat_shared.contracts import Envelope, NoteAuthor, NoteChangedV1, NoteView

T0 = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
NOTE = NoteView(
    id="note-1",
    chat_id="chat-3",
    body="Prefers email",
    colour="green",
    author=NoteAuthor(id="agent-1", name="Ana"),
    created_at=T0,
    updated_at=T0,
)


def test_the_stream_receives_note_changes() -> None:
    assert NoteChangedV1.routing_key() in STREAM_KEYS


def test_frame_for_note_changed() -> None:
    event = NoteChangedV1(
        chat_id="chat-3",
        teamspace_id="ts-1",
        assignee_id="agent-4",
        team_ids=["t-1", "t-2"],
        chat_version=9,
        note=NOTE,
        deleted=False,
    )

    found = frame_for(Envelope.wrap(event, workspace_id="ws-1", chat_id="chat-3"))

    assert found is not None
    scope, frame = found
    assert frame == {
        "type": "note.changed",
        "chat_id": "chat-3",
        "version": 9,
        "data": {"note": NOTE.model_dump(mode="json"), "deleted": False},
    }
    assert (scope.workspace_id, scope.assignee_id, scope.team_ids) == ("ws-1", "agent-4", ("t-1", "t-2"))


def test_frame_for_a_deleted_note() -> None:
    event = NoteChangedV1(chat_id="chat-3", teamspace_id="ts-1", chat_version=10, note=NOTE, deleted=True)
    found = frame_for(Envelope.wrap(event, workspace_id="ws-1", chat_id="chat-3"))
    assert found is not None
    _, frame = found
    assert frame["data"]["deleted"] is True and frame["version"] == 10
