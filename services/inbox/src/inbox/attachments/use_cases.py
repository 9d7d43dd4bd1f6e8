"""Uploading a file for a reply, and serving it by its signed link."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from livechat_shared.auth import Permission, Principal
from livechat_shared.ids import new_id, utcnow

from ..core.access import ChatReader, visible_chat
from ..errors import AttachmentNotFound, ManageForbidden
from .rules import accepted_type, disposition, link_valid, safe_name, signature
from .schemas import StoredAttachment


class Files(Protocol):
    async def store(self, file_id: str, name: str, data: bytes, metadata: dict[str, Any]) -> None: ...

    async def find(self, file_id: str) -> Any: ...

    def chunks(self, file_id: str) -> AsyncIterator[bytes]: ...


@dataclass(frozen=True)
class Download:
    content_type: str
    disposition: str
    size: int
    body: AsyncIterator[bytes]


@dataclass
class AttachmentUseCases:
    chats: ChatReader
    files: Files
    secret: str
    public_url: str
    link_seconds: int

    async def upload(
        self, user: Principal, chat_id: str, declared_type: str, name: str | None, data: bytes
    ) -> StoredAttachment:
        """Store a file for a reply in a chat the user may work (``manage``); its type must be on
        the list and be what its bytes are (:class:`AttachmentRefused` otherwise)."""
        await visible_chat(self.chats, user, chat_id)
        if not user.has(Permission.MANAGE):
            raise ManageForbidden()
        content_type = accepted_type(declared_type, data[:8192])
        file_name, file_id = safe_name(name, content_type), new_id()
        metadata = {
            "workspace_id": user.workspace_id,
            "chat_id": chat_id,
            "uploaded_by": user.user_id,
            "content_type": content_type,
            "uploaded_at": utcnow(),
        }
        await self.files.store(file_id, file_name, data, metadata)
        expires = int(time.time()) + self.link_seconds
        return StoredAttachment(
            id=file_id,
            url=self.link(file_id, expires),
            content_type=content_type,
            name=file_name,
            size=len(data),
            expires_at=expires,
        )

    def link(self, file_id: str, expires: int) -> str:
        sig = signature(self.secret, file_id, expires)
        return f"{self.public_url.rstrip('/')}/v1/attachments/{file_id}?expires={expires}&sig={sig}"

    async def download(self, file_id: str, expires: int, sig: str) -> Download:
        """The file, for a link that is signed and not expired; :class:`AttachmentNotFound` otherwise
        (a bad link and a missing file look the same)."""
        if not link_valid(self.secret, file_id, expires, sig, time.time()):
            raise AttachmentNotFound()
        found = await self.files.find(file_id)
        if found is None:
            raise AttachmentNotFound()
        return Download(
            content_type=found.content_type,
            disposition=disposition(found.content_type, found.name),
            size=found.size,
            body=self.files.chunks(file_id),
        )
