"""Applying the inbox's tag announcements to the copy: idempotent, and safe against events out of
order (each carries its tag's version)."""

from __future__ import annotations

from typing import Any, Protocol

from livechat_shared.contracts import Envelope, TagChangedV1

from .rules import tag_change_applies, tag_document
from .schemas import TagState


class TagStore(Protocol):
    async def state(self, tag_id: str) -> TagState | None: ...

    async def put(self, tag_id: str, fields: dict[str, Any]) -> bool:
        """Store unless the tag holds this version or a newer one (or is another workspace's)."""
        ...


class TagCopyUseCases:
    def __init__(self, tags: TagStore) -> None:
        self.tags = tags

    async def tag_changed(self, envelope: Envelope, event: TagChangedV1) -> bool:
        """Keep the announcement if it is the newest of its tag seen so far; True if kept. The read
        first spares the write of what is plainly old; the write's own condition decides a race."""
        stored = await self.tags.state(event.tag_id)
        if stored is not None and stored.workspace_id != envelope.workspace_id:
            return False  # another workspace's tag: not this event's to change
        if not tag_change_applies(stored, event.version):
            return False
        return await self.tags.put(event.tag_id, tag_document(envelope.workspace_id, event))
