"""In-memory fakes of the inbox's repositories, transactions and outbox, for use-case tests.

A transaction works on the fakes' state and restores it when the work raises, as MongoDB aborts a
transaction; the fakes keep the unique keys the real indexes keep.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.core.models import Chat, Message, Person, display_name
from inbox.core.search import index_update
from inbox.core.store import DuplicateMessage
from inbox.errors import WriteConflict
from inbox.inbound.repository import CreationRace
from livechat_dev.testing import InMemoryTransactions
from livechat_shared.contracts import AppRef, Envelope, MessageReceivedV1
from livechat_shared.ids import new_id
from livechat_shared.writer import Writer


@dataclass
class State:
    chats: dict[str, Chat] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    people: dict[tuple[str, str], Person] = field(default_factory=dict)
    outbox: list[Envelope] = field(default_factory=list)


class FakeDb(InMemoryTransactions[State]):
    """The fakes' shared state, with transactions that roll back on an exception (and the outbox)."""

    def __init__(self) -> None:
        super().__init__(State())
        self.before_update: Callable[[Chat], None] | None = None
        """Called before a versioned chat update: a test may change the chat there (a racing writer)."""


class FakeChats:
    def __init__(self, db: FakeDb) -> None:
        self.db = db

    async def get(self, chat_id: str, session: Any = None) -> Chat | None:
        return self.db.state.chats.get(chat_id)

    async def update(
        self, chat: Chat, changes: dict[str, Any], session: Any, *, seqs: int = 1, texts: Sequence[str] = ()
    ) -> Chat | None:
        return self._set(chat, changes, seqs, texts)

    async def change(self, chat: Chat, changes: dict[str, Any], session: Any) -> Chat | None:
        """As ``update``, without taking a ``seq`` (a change with no message)."""
        return self._set(chat, changes)

    def _set(
        self, chat: Chat, changes: dict[str, Any], seqs: int = 0, texts: Sequence[str] = ()
    ) -> Chat | None:
        """``$set`` on the stored chat, with the next version, unless it changed since ``chat`` was
        read; the result is validated as the real store's ``from_doc`` does (stored sub-documents
        come back typed). Facets and search terms follow as the real store keeps them."""
        if self.db.before_update is not None:
            self.db.before_update(self.db.state.chats[chat.id])
        stored = self.db.state.chats.get(chat.id)
        if stored is None or stored.version != chat.version:
            return None
        bumped = {"version": stored.version + 1, "next_seq": stored.next_seq + seqs}
        index = index_update(stored, changes, texts)
        added = {f: [*getattr(stored, f), *each["$each"]] for f, each in index.add.items()}
        updated = Chat.model_validate({**stored.model_dump(), **changes, **index.set, **added, **bumped})
        self.db.state.chats[chat.id] = updated
        return updated

    async def touch_existing(
        self, event: MessageReceivedV1, now: datetime, session: Any
    ) -> tuple[Chat, bool] | None:
        current = next(
            (
                c
                for c in self.db.state.chats.values()
                if c.app_id == event.app_id and c.person_external_id == event.person.external_id and c.current
            ),
            None,
        )
        if current is None:
            return None
        named = (
            {"person": current.person.model_copy(update={"name": event.person.name})}
            if event.person.name
            else {}
        )
        reopened = {"status": "open"} if current.status == "resolved" else {}
        return self._bump(current, now, **named, **reopened), bool(reopened)

    async def touch_current(
        self, workspace_id: str, event: MessageReceivedV1, person: Person, now: datetime, session: Any
    ) -> Chat:
        current = next(
            (
                c
                for c in self.db.state.chats.values()
                if c.app_id == event.app_id and c.person_id == person.id and c.current
            ),
            None,
        )
        if current is None:
            current = Chat(
                id=new_id(),
                workspace_id=workspace_id,
                teamspace_id=event.teamspace_id,
                app_id=event.app_id,
                app=AppRef(id=event.app_id, channel=event.channel, name=event.app_name),
                person_id=person.id,
                person={"id": person.id, "name": display_name(person.name)},
                person_external_id=event.person.external_id,
                mode="ai",
                status="open",
                team_ids=event.team_ids,
                person_language=event.person.language,
                created_at=now,
                updated_at=now,
                version=0,
                next_seq=0,
            )
        return self._bump(current, now)

    def _bump(self, chat: Chat, now: datetime, **changes: Any) -> Chat:
        """A new message in ``chat``: as the real update, the next version and ``seq``."""
        waiting = now if chat.waiting_since is None else min(chat.waiting_since, now)
        touched = chat.model_copy(
            update={
                "updated_at": now,
                "last_message_at": now,
                "waiting_since": waiting,
                "version": chat.version + 1,
                "next_seq": chat.next_seq + 1,
                **changes,
            }
        )
        self.db.state.chats[touched.id] = touched
        return touched


class FakeMessages:
    def __init__(self, db: FakeDb) -> None:
        self.db = db

    async def insert(self, message: Message, session: Any) -> None:
        for other in self.db.state.messages.values():
            same_key = (message.inbound_key and other.inbound_key == message.inbound_key) or (
                message.client_key and other.client_key == message.client_key
            )
            if same_key or (other.chat_id, other.seq) == (message.chat_id, message.seq):
                raise DuplicateMessage(message.id)
        self.db.state.messages[message.id] = message

    async def get(self, message_id: str, session: Any = None) -> Message | None:
        return self.db.state.messages.get(message_id)

    async def after(self, chat_id: str, after_seq: int, limit: int) -> list[Message]:
        found = sorted(
            (m for m in self.db.state.messages.values() if m.chat_id == chat_id and m.seq > after_seq),
            key=lambda m: m.seq,
        )
        return found[:limit]

    async def count(self, chat_id: str) -> int:
        return sum(1 for m in self.db.state.messages.values() if m.chat_id == chat_id)

    async def by_client_key(self, key: str, session: Any = None) -> Message | None:
        return next((m for m in self.db.state.messages.values() if m.client_key == key), None)

    async def set_delivery(
        self, message: Message, state: str, error: str | None, session: Any
    ) -> Message | None:
        stored = self.db.state.messages.get(message.id)
        if stored is None or stored.delivery != message.delivery:
            return None
        updated = stored.model_copy(update={"delivery": state, "delivery_error": error})
        self.db.state.messages[message.id] = updated
        return updated


class FakePeople:
    def __init__(self, db: FakeDb) -> None:
        self.db = db
        self.race_once = False
        """Raise CreationRace on the next call, as when a concurrent first message created the person."""
        self.calls = 0

    async def upsert_from_channel(
        self, workspace_id: str, event: MessageReceivedV1, now: datetime, session: Any
    ) -> Person:
        self.calls += 1
        if self.race_once:
            self.race_once = False
            raise CreationRace
        key = (event.app_id, event.person.external_id)
        person = self.db.state.people.get(key) or Person(
            id=new_id(),
            workspace_id=workspace_id,
            app_id=event.app_id,
            external_id=event.person.external_id,
            channel=event.channel,
            created_at=now,
        )
        person = person.model_copy(
            update={"last_seen_at": now, **({"name": event.person.name} if event.person.name else {})}
        )
        self.db.state.people[key] = person
        return person


@dataclass
class Fakes:
    db: FakeDb
    chats: FakeChats
    messages: FakeMessages
    people: FakePeople
    writer: Writer

    def add_chat(self, **changes: Any) -> Chat:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        values: dict[str, Any] = {
            "id": new_id(),
            "workspace_id": "ws-1",
            "teamspace_id": "ts-1",
            "app_id": "app-1",
            "app": {"id": "app-1", "channel": "webchat", "name": "Site"},
            "person_id": "p-1",
            "person": {"id": "p-1", "name": "Ana"},
            "person_external_id": "visitor-1",
            "mode": "ai",
            "status": "open",
            "assignee_id": None,
            "team_ids": ["t-1"],
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "next_seq": 1,
        }
        chat = Chat.model_validate({**values, **changes})
        self.db.state.chats[chat.id] = chat
        return chat


@pytest.fixture
def fakes() -> Fakes:
    db = FakeDb()
    return Fakes(
        db=db,
        chats=FakeChats(db),
        messages=FakeMessages(db),
        people=FakePeople(db),
        writer=Writer(transactions=db, outbox=db, conflict=WriteConflict),
    )
