"""Deleting chats (``delete`` permission): each chat the caller may see is erased from the inbox —
its document and search terms, messages, notes and attachment files — with an audit entry and
``inbox.chat.deleted.v1`` in the same transaction, so every copy elsewhere is erased too (the export
read model and its files, the assignment state and the assignee's capacity) and agents' lists drop
it. Chats the caller may not see are reported as not found, as are ids that do not exist.

The same transaction leaves a tombstone (the chat's id and scope, no content) for
``tombstone_seconds``: a client that missed the ``chat.deleted`` frame learns of the deletion from
``GET /v1/sync``. The interaction counts stay as they are: before its messages are erased, the
same transaction adds them to the counts of erased interactions (:class:`ErasedInteractions`); it
runs only for a chat still there, and a transaction run again counts once, as only its last run
commits.

Each chat is its own transaction (a bulk of 200 chats with their messages would make one very large
one); a crash midway leaves the chats not yet reached untouched, and deleting them again finishes.
Attachment files go first, outside the transaction: a chat whose deletion failed afterwards may have
lost its files, never kept them after it is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import ChatDeletedV1, Envelope
from livechat_shared.ids import new_id, utcnow
from livechat_shared.writer import Change, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.access import ChatReader, visible_chat
from ..core.models import ChatTombstone
from ..errors import ChatNotFound, DeleteForbidden
from .rules import may_delete, tombstone
from .schemas import BulkDelete, BulkDeleted, DeletionAudit, Erased

Session = AsyncClientSession


class Eraser(Protocol):
    async def erase(self, chat_id: str, session: Session) -> tuple[int, int]: ...

    async def erase_files(self, chat_id: str) -> int: ...


class Audit(Protocol):
    async def add(self, entry: DeletionAudit, session: Session) -> None: ...

    async def page(self, workspace_id: str, skip: int, limit: int) -> tuple[list[DeletionAudit], int]: ...


class Tombstones(Protocol):
    async def add(self, tombstone: ChatTombstone, session: Session) -> None: ...


class ErasedInteractions(Protocol):
    async def keep_erased(self, chat_id: str, session: Session) -> int:
        """Keep the counts of the chat's interactions, in the transaction about to erase them."""
        ...


@dataclass
class DeletionUseCases:
    chats: ChatReader
    eraser: Eraser
    audit: Audit
    tombstones: Tombstones
    interactions: ErasedInteractions
    writer: Writer
    tombstone_seconds: int
    """How long the resync reports a deletion (the setting ``LIVECHAT_TOMBSTONE_SECONDS``)."""

    async def bulk_delete(
        self, user: Principal, request: BulkDelete, correlation_id: str | None = None
    ) -> BulkDeleted:
        if not may_delete(user):
            raise DeleteForbidden()
        deleted, not_found = 0, list[str]()
        for chat_id in dict.fromkeys(request.chat_ids):  # each once, in the order given
            try:
                await visible_chat(self.chats, user, chat_id)
            except ChatNotFound:
                not_found.append(chat_id)
                continue
            files = await self.eraser.erase_files(chat_id)
            if await self._delete(user, chat_id, files, correlation_id):
                deleted += 1
            else:  # deleted meanwhile (another request)
                not_found.append(chat_id)
        return BulkDeleted(deleted=deleted, not_found=not_found)

    async def _delete(self, user: Principal, chat_id: str, files: int, correlation_id: str | None) -> bool:
        async def work(session: Session) -> Change[bool]:
            chat = await self.chats.get(chat_id, session)
            if chat is None:
                return Change(False)
            await self.interactions.keep_erased(chat_id, session)
            messages, notes = await self.eraser.erase(chat_id, session)
            now = utcnow()
            await self.tombstones.add(tombstone(chat, now, self.tombstone_seconds), session)
            entry = DeletionAudit(
                id=new_id(),
                workspace_id=chat.workspace_id,
                chat_id=chat.id,
                teamspace_id=chat.teamspace_id,
                person_id=chat.person_id,
                by=user.user_id,
                by_name=user.name,
                at=now,
                erased=Erased(messages=messages, notes=notes, attachments=files),
            )
            await self.audit.add(entry, session)
            event = ChatDeletedV1(
                chat_version=chat.version + 1,
                teamspace_id=chat.teamspace_id,
                assignee_id=chat.assignee_id,
                team_ids=chat.team_ids,
                by=user.user_id,
            )
            envelope = Envelope.wrap(
                event, workspace_id=chat.workspace_id, chat_id=chat.id, correlation_id=correlation_id
            )
            return Change(True, [envelope])

        return await self.writer.write(work)

    async def audit_page(self, user: Principal, skip: int, limit: int) -> tuple[list[DeletionAudit], int]:
        """The workspace's deletions, newest first (whoever may delete may read them)."""
        if not may_delete(user):
            raise DeleteForbidden()
        return await self.audit.page(user.workspace_id, skip, limit)
