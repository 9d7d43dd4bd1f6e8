"""In-memory notes for the notes use-case tests, next to the shared fakes of ``unit/conftest.py``
(chats, transactions, outbox): a transaction that raises leaves the notes as they were."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from inbox.errors import WriteConflict
from inbox.notes.schemas import Note
from inbox.notes.use_cases import NoteUseCases
from livechat_shared.writer import Writer


class FakeNotes:
    def __init__(self) -> None:
        self.notes: dict[str, Note] = {}

    async def page(self, chat_id: str, skip: int, limit: int) -> tuple[list[Note], int]:
        found = sorted(
            (n for n in self.notes.values() if n.chat_id == chat_id), key=lambda n: (n.created_at, n.id)
        )
        return found[skip : skip + limit], len(found)

    async def get(self, chat_id: str, note_id: str, session: Any = None) -> Note | None:
        note = self.notes.get(note_id)
        return note if note is not None and note.chat_id == chat_id else None

    async def insert(self, note: Note, session: Any) -> None:
        assert note.id not in self.notes
        self.notes[note.id] = note

    async def replace(self, note: Note, session: Any) -> None:
        assert note.id in self.notes
        self.notes[note.id] = note

    async def delete(self, note: Note, session: Any) -> None:
        self.notes.pop(note.id, None)


class Transactions:
    """The shared fake transactions, restoring the notes too when the work raises."""

    def __init__(self, db: Any, notes: FakeNotes) -> None:
        self.db, self.notes = db, notes

    async def transaction(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        saved = dict(self.notes.notes)
        try:
            return await self.db.transaction(work)
        except BaseException:
            self.notes.notes = saved
            raise


@dataclass
class NoteFakes:
    base: Any
    """The shared fakes (``db``, ``chats``, ``add_chat``)."""
    notes: FakeNotes
    use_cases: NoteUseCases


@pytest.fixture
def notes(fakes: Any) -> NoteFakes:
    store = FakeNotes()
    writer = Writer(transactions=Transactions(fakes.db, store), outbox=fakes.db, conflict=WriteConflict)
    return NoteFakes(
        base=fakes, notes=store, use_cases=NoteUseCases(chats=fakes.chats, notes=store, writer=writer)
    )
