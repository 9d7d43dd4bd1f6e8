"""Applying the inbox's events to the read model: idempotent, and safe against events out of order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from livechat_shared.contracts import ChatChangedV1, ChatDeletedV1, Envelope, MessageEvent
from livechat_shared.ids import utcnow

from ..errors import MalformedEvent
from .repository import ProjectionRepository
from .rules import chat_document, message_write, snapshot_applies


class ErasureListener(Protocol):
    """Told when a chat was erased from the read model (the exports drop their files holding it)."""

    async def chat_erased(self, workspace_id: str, chat_id: str) -> None: ...


class ProjectionUseCases:
    def __init__(
        self,
        chats: ProjectionRepository,
        erasures: ErasureListener,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.chats, self.erasures, self.clock = chats, erasures, clock

    async def chat_changed(self, envelope: Envelope, event: ChatChangedV1) -> bool:
        """Keep the snapshot if it is the newest the read model has seen; True if kept."""
        chat = event.chat
        if chat.workspace_id != envelope.workspace_id or envelope.chat_id not in (None, chat.id):
            raise MalformedEvent("the snapshot's chat or workspace is not the envelope's")
        stored = await self.chats.state(chat.id)
        if not snapshot_applies(stored, chat.version):
            return False
        fields = chat_document(chat, stored)
        return await self.chats.put_chat(chat.id, chat.workspace_id, fields, chat.version)

    async def message(self, envelope: Envelope, event: MessageEvent) -> bool:
        """Keep the message's newest state, and, the first time it is stored, its words and its count
        on the chat; True if kept (False: a later state is kept, or the chat was deleted or is
        another workspace's)."""
        if envelope.chat_id not in (None, event.message.chat_id):
            raise MalformedEvent("the message's chat is not the envelope's")
        return await self.chats.store_message(message_write(envelope.workspace_id, event))

    async def chat_deleted(self, envelope: Envelope, event: ChatDeletedV1) -> None:
        """Erase the chat and its messages, keep a tombstone so later events of it are dropped, and
        have the exports drop the files that hold it."""
        if not envelope.chat_id:
            raise MalformedEvent("a chat deletion names no chat")
        await self.chats.erase(envelope.workspace_id, envelope.chat_id, self.clock())
        await self.erasures.chat_erased(envelope.workspace_id, envelope.chat_id)
