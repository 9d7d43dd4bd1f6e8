"""Notes against in-memory repositories (``unit/conftest.py`` and ``notes/conftest.py``): each change
is stored with the chat's next version and announced in the same transaction; refusals store and
announce nothing."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.errors import ChatNotFound, NoteForbidden, NoteNotFound, WriteConflict
from inbox.notes.schemas import NoteCreate, NoteUpdate
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import ChatChangedV1, Envelope, NoteChangedV1, NoteView
from livechat_shared.pagination import PageParams

AUTHOR = Principal(
    user_id="agent-1", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}), name="Ana"
)
COLLEAGUE = Principal(user_id="agent-2", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}))
SUPERVISOR = Principal(user_id="sup-1", workspace_id="ws-1", role=Role.SUPERVISOR, teams=frozenset({"t-1"}))
ADMIN = Principal(user_id="admin-1", workspace_id="ws-1", role=Role.ADMIN)
OUTSIDER = Principal(user_id="agent-9", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-9"}))


def outbox(notes: Any) -> list[Envelope]:
    return list(notes.base.db.state.outbox)


def note_events(notes: Any) -> list[NoteChangedV1]:
    return [e.open(NoteChangedV1) for e in outbox(notes) if e.routing_key == NoteChangedV1.routing_key()]


async def add(notes: Any, chat_id: str, user: Principal = AUTHOR, **body: Any) -> NoteView:
    view: NoteView = await notes.use_cases.add(user, chat_id, NoteCreate(**{"body": "VIP customer", **body}))
    return view


async def test_adding_a_note_stores_it_bumps_the_chat_and_announces_both(notes: Any) -> None:
    chat = notes.base.add_chat(team_ids=["t-1", "t-2"])

    view = await add(notes, chat.id)

    assert (view.chat_id, view.body, view.colour) == (chat.id, "VIP customer", "yellow")
    assert (view.author.id, view.author.name) == ("agent-1", "Ana")
    assert view.created_at == view.updated_at
    assert notes.notes.notes[view.id].view() == view
    stored = notes.base.db.state.chats[chat.id]
    assert stored.version == chat.version + 1
    assert stored.next_seq == chat.next_seq, "a note is not a message: it takes no seq"
    assert stored.updated_at > chat.updated_at
    assert [e.type for e in outbox(notes)] == ["inbox.chat.changed", "inbox.note.changed"]
    changed = outbox(notes)[0].open(ChatChangedV1)
    assert changed.chat.version == stored.version
    [event] = note_events(notes)
    assert event == NoteChangedV1(
        chat_id=chat.id,
        teamspace_id="ts-1",
        assignee_id=None,
        team_ids=["t-1", "t-2"],
        chat_version=stored.version,
        note=view,
        deleted=False,
    )
    assert {(e.workspace_id, e.chat_id) for e in outbox(notes)} == {("ws-1", chat.id)}
    assert len({e.correlation_id for e in outbox(notes)}) == 1
    assert notes.base.db.notified == 1


async def test_notes_are_never_messages_or_sent_to_the_person(notes: Any) -> None:
    chat = notes.base.add_chat(assignee_id="agent-1", mode="live")
    await add(notes, chat.id, colour="green")
    assert notes.base.db.state.messages == {}
    assert "inbox.outbound.requested" not in [e.type for e in outbox(notes)]


@pytest.mark.parametrize("user", [COLLEAGUE, SUPERVISOR, ADMIN])
async def test_anyone_who_sees_the_chat_may_add_a_note(notes: Any, user: Principal) -> None:
    chat = notes.base.add_chat()
    view = await add(notes, chat.id, user=user)
    assert view.author.id == user.user_id


async def test_a_chat_the_user_cannot_see_does_not_exist_for_them(notes: Any) -> None:
    chat = notes.base.add_chat()
    mine = await add(notes, chat.id)
    held = notes.base.add_chat(assignee_id="agent-2", mode="live")
    events = len(outbox(notes))
    use_cases = notes.use_cases

    for user, chat_id in ((OUTSIDER, chat.id), (AUTHOR, held.id), (ADMIN, "no-such-chat")):
        with pytest.raises(ChatNotFound):
            await use_cases.add(user, chat_id, NoteCreate(body="x"))
        with pytest.raises(ChatNotFound):
            await use_cases.page(user, chat_id, PageParams())
        with pytest.raises(ChatNotFound):
            await use_cases.edit(user, chat_id, mine.id, NoteUpdate(body="y"))
        with pytest.raises(ChatNotFound):
            await use_cases.remove(user, chat_id, mine.id)

    assert list(notes.notes.notes) == [mine.id] and notes.notes.notes[mine.id].body == "VIP customer"
    assert len(outbox(notes)) == events


async def test_notes_are_listed_oldest_first_a_page_at_a_time(notes: Any) -> None:
    chat, other = notes.base.add_chat(), notes.base.add_chat()
    bodies = [f"note {i}" for i in range(5)]
    for body in bodies:
        await add(notes, chat.id, body=body)
    await add(notes, other.id, body="elsewhere")

    first = await notes.use_cases.page(COLLEAGUE, chat.id, PageParams(page=1, page_size=3))
    second = await notes.use_cases.page(COLLEAGUE, chat.id, PageParams(page=2, page_size=3))

    assert [n.body for n in first.items] == bodies[:3]
    assert [n.body for n in second.items] == bodies[3:]
    assert (first.total, first.page, first.page_size, second.page) == (5, 1, 3, 2)


async def test_the_author_edits_their_note(notes: Any) -> None:
    chat = notes.base.add_chat()
    view = await add(notes, chat.id, colour="blue")
    version = notes.base.db.state.chats[chat.id].version

    edited = await notes.use_cases.edit(AUTHOR, chat.id, view.id, NoteUpdate(body="Prefers email"))

    assert (edited.id, edited.body, edited.colour) == (view.id, "Prefers email", "blue")
    assert edited.created_at == view.created_at and edited.updated_at >= view.updated_at
    assert notes.notes.notes[view.id].view() == edited
    assert notes.base.db.state.chats[chat.id].version == version + 1
    event = note_events(notes)[-1]
    assert (event.note, event.deleted, event.chat_version) == (edited, False, version + 1)


@pytest.mark.parametrize("user", [SUPERVISOR, ADMIN])
async def test_an_admin_or_supervisor_edits_and_deletes_anyones_note(notes: Any, user: Principal) -> None:
    chat = notes.base.add_chat()
    view = await add(notes, chat.id)

    edited = await notes.use_cases.edit(user, chat.id, view.id, NoteUpdate(colour="pink"))
    assert (edited.body, edited.colour, edited.author.id) == ("VIP customer", "pink", "agent-1")
    await notes.use_cases.remove(user, chat.id, view.id)
    assert notes.notes.notes == {}


async def test_another_agent_may_not_edit_or_delete_a_note(notes: Any) -> None:
    chat = notes.base.add_chat()
    view = await add(notes, chat.id)
    before = (notes.base.db.state.chats[chat.id], len(outbox(notes)))

    with pytest.raises(NoteForbidden):
        await notes.use_cases.edit(COLLEAGUE, chat.id, view.id, NoteUpdate(body="mine now"))
    with pytest.raises(NoteForbidden):
        await notes.use_cases.remove(COLLEAGUE, chat.id, view.id)

    assert notes.notes.notes[view.id].view() == view
    assert (notes.base.db.state.chats[chat.id], len(outbox(notes))) == before


async def test_deleting_a_note_announces_what_it_was(notes: Any) -> None:
    chat = notes.base.add_chat()
    view = await add(notes, chat.id)

    await notes.use_cases.remove(AUTHOR, chat.id, view.id)

    assert notes.notes.notes == {}
    stored = notes.base.db.state.chats[chat.id]
    assert stored.version == chat.version + 2
    assert [e.type for e in outbox(notes)][-2:] == ["inbox.chat.changed", "inbox.note.changed"]
    event = note_events(notes)[-1]
    assert (event.note, event.deleted, event.chat_version) == (view, True, stored.version)
    with pytest.raises(NoteNotFound):
        await notes.use_cases.remove(AUTHOR, chat.id, view.id)


async def test_a_note_is_found_only_on_its_own_chat(notes: Any) -> None:
    chat, other = notes.base.add_chat(), notes.base.add_chat()
    view = await add(notes, chat.id)
    with pytest.raises(NoteNotFound):
        await notes.use_cases.edit(ADMIN, other.id, view.id, NoteUpdate(body="x"))
    with pytest.raises(NoteNotFound):
        await notes.use_cases.remove(ADMIN, other.id, "no-such-note")
    assert notes.notes.notes[view.id].view() == view


async def test_a_concurrent_change_of_the_chat_is_retried(notes: Any) -> None:
    chat = notes.base.add_chat()
    raced = []

    def concurrent_writer(current: Any) -> None:
        if not raced:  # once: another writer bumps the chat between the read and the write
            raced.append(current.version)
            notes.base.db.state.chats[current.id] = current.model_copy(
                update={"version": current.version + 1}
            )

    notes.base.db.before_update = concurrent_writer
    view = await add(notes, chat.id)

    assert raced == [chat.version]  # the first attempt lost (the fake rolls the racing bump back with it)
    assert list(notes.notes.notes) == [view.id]
    [event] = note_events(notes)
    assert event.chat_version == notes.base.db.state.chats[chat.id].version == chat.version + 1


async def test_a_chat_that_keeps_changing_gives_up_with_nothing_stored(notes: Any) -> None:
    chat = notes.base.add_chat()

    def always_first(current: Any) -> None:
        notes.base.db.state.chats[current.id] = current.model_copy(update={"version": current.version + 1})

    notes.base.db.before_update = always_first
    with pytest.raises(WriteConflict):
        await add(notes, chat.id)
    assert notes.notes.notes == {} and outbox(notes) == []
