"""Listing, adding, editing and deleting a chat's notes. Each change bumps the chat's version (the
stream orders a chat's frames by it) and is announced in the same transaction; notes are internal,
so nothing goes to the person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import Envelope, NoteAuthor, NoteChangedV1, NoteView
from livechat_shared.ids import new_id, utcnow
from livechat_shared.pagination import Page, PageParams
from livechat_shared.writer import Change, RaceLost, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.access import visible_chat
from ..core.announce import chat_changed
from ..core.models import Chat
from ..errors import NoteForbidden, NoteNotFound
from .rules import may_add_note, may_change_note, stored_time
from .schemas import Note, NoteCreate, NoteUpdate

Session = AsyncClientSession


class Chats(Protocol):
    async def get(self, chat_id: str, session: Session | None = None) -> Chat | None: ...

    async def change(self, chat: Chat, changes: dict[str, Any], session: Session) -> Chat | None: ...


class Notes(Protocol):
    async def page(self, chat_id: str, skip: int, limit: int) -> tuple[list[Note], int]: ...

    async def get(self, chat_id: str, note_id: str, session: Session | None = None) -> Note | None: ...

    async def insert(self, note: Note, session: Session) -> None: ...

    async def replace(self, note: Note, session: Session) -> None: ...

    async def delete(self, note: Note, session: Session) -> None: ...


def announce(chat: Chat, note: Note, *, deleted: bool) -> list[Envelope]:
    """The chat's new snapshot and the note's change, at the chat's new version."""
    changed = chat_changed(chat)
    event = NoteChangedV1(
        chat_id=chat.id,
        teamspace_id=chat.teamspace_id,
        assignee_id=chat.assignee_id,
        team_ids=chat.team_ids,
        chat_version=chat.version,
        note=note.view(),
        deleted=deleted,
    )
    return [
        changed,
        Envelope.wrap(
            event, workspace_id=chat.workspace_id, chat_id=chat.id, correlation_id=changed.correlation_id
        ),
    ]


@dataclass
class NoteUseCases:
    chats: Chats
    notes: Notes
    writer: Writer

    async def page(self, user: Principal, chat_id: str, paging: PageParams) -> Page[NoteView]:
        await visible_chat(self.chats, user, chat_id)
        notes, total = await self.notes.page(chat_id, paging.skip, paging.page_size)
        return Page(
            items=[n.view() for n in notes], total=total, page=paging.page, page_size=paging.page_size
        )

    async def add(self, user: Principal, chat_id: str, body: NoteCreate) -> NoteView:
        async def work(session: Session) -> Change[NoteView]:
            chat = await visible_chat(self.chats, user, chat_id, session)
            if not may_add_note(user, chat.scope()):
                raise NoteForbidden("you may not add notes to this chat")
            now = stored_time(utcnow())
            updated = await self._bump(chat, session)
            note = Note(
                id=new_id(),
                workspace_id=chat.workspace_id,
                chat_id=chat.id,
                body=body.body,
                colour=body.colour,
                author=NoteAuthor(id=user.user_id, name=user.name),
                created_at=now,
                updated_at=now,
            )
            await self.notes.insert(note, session)
            return Change(note.view(), announce(updated, note, deleted=False))

        return await self.writer.write(work)

    async def edit(self, user: Principal, chat_id: str, note_id: str, body: NoteUpdate) -> NoteView:
        async def work(session: Session) -> Change[NoteView]:
            chat, note = await self._changeable(user, chat_id, note_id, session)
            updated = await self._bump(chat, session)
            edited = note.model_copy(update={**body.changes(), "updated_at": stored_time(utcnow())})
            await self.notes.replace(edited, session)
            return Change(edited.view(), announce(updated, edited, deleted=False))

        return await self.writer.write(work)

    async def remove(self, user: Principal, chat_id: str, note_id: str) -> None:
        async def work(session: Session) -> Change[None]:
            chat, note = await self._changeable(user, chat_id, note_id, session)
            updated = await self._bump(chat, session)
            await self.notes.delete(note, session)
            return Change(None, announce(updated, note, deleted=True))

        await self.writer.write(work)

    async def _changeable(
        self, user: Principal, chat_id: str, note_id: str, session: Session
    ) -> tuple[Chat, Note]:
        """The chat and its note, when the user may change it: 404 for a chat they do not see or a
        note the chat does not have, 403 for someone else's note."""
        chat = await visible_chat(self.chats, user, chat_id, session)
        note = await self.notes.get(chat_id, note_id, session)
        if note is None:
            raise NoteNotFound()
        if not may_change_note(user, chat.scope(), note.author.id):
            raise NoteForbidden()
        return chat, note

    async def _bump(self, chat: Chat, session: Session) -> Chat:
        """The chat at its next version (a note changes it), or a lost race when it changed meanwhile;
        concurrent changes of one chat's notes are serialised here."""
        updated = await self.chats.change(chat, {"updated_at": utcnow()}, session)
        if updated is None:
            raise RaceLost
        return updated
