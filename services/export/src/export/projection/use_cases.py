"""Applying the inbox's events to the read model: idempotent, and safe against events out of order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from livechat_shared.contracts import ChatChangedV1, ChatDeletedV1, Envelope, MessageEvent
from livechat_shared.ids import utcnow
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.stats import MessageStats
from ..errors import MalformedEvent
from .batching import GroupCommit
from .repository import Changes, ProjectionRepository
from .rules import chat_document, chat_takes_message, message_state_applies, message_write, snapshot_applies
from .schemas import ChatState, MessageWrite, SnapshotWrite, Write


class ErasureListener(Protocol):
    """Told when a chat was erased from the read model (the exports drop their files holding it)."""

    async def chat_erased(self, workspace_id: str, chat_id: str) -> None: ...


class ProjectionUseCases:
    def __init__(
        self,
        chats: ProjectionRepository,
        erasures: ErasureListener,
        clock: Callable[[], datetime] = utcnow,
        linger_seconds: float = 0.0,
    ) -> None:
        self.chats, self.erasures, self.clock = chats, erasures, clock
        self.writes: GroupCommit[Write, bool] = GroupCommit(self.store, linger_seconds=linger_seconds)
        """Events of different chats handled at once are stored together (``projection.batching``)."""

    async def chat_changed(self, envelope: Envelope, event: ChatChangedV1) -> bool:
        """Keep the snapshot if it is the newest the read model has seen; True if kept."""
        chat = event.chat
        if chat.workspace_id != envelope.workspace_id or envelope.chat_id not in (None, chat.id):
            raise MalformedEvent("the snapshot's chat or workspace is not the envelope's")
        return await self.writes.submit(chat.id, SnapshotWrite(chat.workspace_id, chat))

    async def message(self, envelope: Envelope, event: MessageEvent) -> bool:
        """Keep the message's newest state, and, the first time it is stored, its words and its count
        on the chat; True if kept (False: a later state is kept, or the chat was deleted or is
        another workspace's)."""
        if envelope.chat_id not in (None, event.message.chat_id):
            raise MalformedEvent("the message's chat is not the envelope's")
        write = message_write(envelope.workspace_id, event)
        return await self.writes.submit(write.chat_id, write)

    async def store(self, writes: Sequence[Write]) -> list[bool]:
        """Store the events of a group (of *different* chats) in one transaction; for each, True if
        it changed the read model. Each is decided against what the transaction read, so a
        redelivered or late event changes nothing: a snapshot only over an older one, a message state
        only over an earlier one, nothing over a deleted chat's tombstone or another workspace's chat."""
        if len({w.chat_id for w in writes}) != len(writes):
            raise ValueError("a group holds one event per chat")
        return await self.chats.mongo.transaction(lambda session: self._store(writes, session))

    async def _store(self, writes: Sequence[Write], session: AsyncClientSession) -> list[bool]:
        stored = await self.chats.stored(writes, session)
        changes, kept = Changes(), []
        for write in writes:
            chat = stored.chats.get(write.chat_id)
            if isinstance(write, SnapshotWrite):
                applies = snapshot_applies(chat, write.chat.version, write.workspace_id)
                if applies:
                    changes.snapshots.append((write.chat_id, chat_document(write.chat, chat)))
                kept.append(applies)
                continue
            message = stored.messages.get(write.message_id)
            if not message_state_applies(message, write):
                kept.append(False)
            elif message is not None:  # a later state of a message counted when first stored
                changes.later_states.append(write)
                kept.append(True)
            elif not chat_takes_message(chat, write.workspace_id):
                kept.append(False)
            else:
                changes.new_messages.append((write, await self._counted(write, chat, session)))
                kept.append(True)
        await self.chats.write(changes, session)
        return kept

    async def _counted(
        self, write: MessageWrite, chat: ChatState | None, session: AsyncClientSession
    ) -> MessageStats:
        """The chat's statistics counting a message stored for the first time."""
        stats = MessageStats.from_doc(chat.stats if chat else None)
        lookup = stats.add(write.author_type, write.seq, write.created_at)
        if lookup is not None:
            answer = await self.chats.first_reply(write.chat_id, lookup, session)
            if answer is not None:
                stats.answered(*answer)
        return stats

    async def chat_deleted(self, envelope: Envelope, event: ChatDeletedV1) -> None:
        """Erase the chat and its messages, keep a tombstone so later events of it are dropped, and
        have the exports drop the files that hold it."""
        if not envelope.chat_id:
            raise MalformedEvent("a chat deletion names no chat")
        await self.chats.erase(envelope.workspace_id, envelope.chat_id, self.clock())
        await self.erasures.chat_erased(envelope.workspace_id, envelope.chat_id)
