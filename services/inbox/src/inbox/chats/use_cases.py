"""Listing, reading and resyncing the chats a user may see; changing a chat's details, status,
custom fields and tags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from livechat_shared.auth import Permission, Principal
from livechat_shared.contracts import ChatSnapshot, Envelope, TeamspaceSettingsChangedV1
from livechat_shared.ids import utcnow
from livechat_shared.writer import Change, RaceLost, Writer
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.access import visible_chat
from ..core.announce import chat_changed, chat_closed, placement_changed
from ..core.models import Chat, ChatTombstone
from ..errors import InvalidCursor, ManageForbidden, UnknownTag, VersionMismatch
from .rules import is_overdue, parse_sync_cursor, status_change, sync_page
from .schemas import ChatPatch, SyncPage

Session = AsyncClientSession


class ChatReader(Protocol):
    async def get(self, chat_id: str, session: AsyncClientSession | None = None) -> Chat | None: ...


class ChatWriter(ChatReader, Protocol):
    async def change(self, chat: Chat, changes: dict[str, Any], session: Session) -> Chat | None: ...


class FieldValues(Protocol):
    async def validate(self, workspace_id: str, teamspace_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """The values, normalised by the teamspace's field definitions (``None`` clears a field);
        raises a domain error naming the first invalid or unknown field."""
        ...


class TagRef(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def teamspace_id(self) -> str: ...


class TagCatalog(Protocol):
    async def tags_by_ids(self, workspace_id: str, ids: Sequence[str]) -> Sequence[TagRef]: ...


class TeamspacePolicies(Protocol):
    async def min_tags_to_resolve(self, workspace_id: str, teamspace_id: str) -> int: ...


class ChatFinder(Protocol):
    async def changed_since(self, user: Principal, at: datetime, after_id: str, limit: int) -> list[Chat]: ...

    async def deleted_since(
        self, user: Principal, at: datetime, after_id: str, limit: int
    ) -> list[ChatTombstone]: ...


@dataclass
class ChatUseCases:
    chats: ChatWriter
    queries: ChatFinder
    writer: Writer
    fields: FieldValues
    policies: TeamspacePolicies
    tags: TagCatalog

    async def read(self, user: Principal, chat_id: str) -> ChatSnapshot:
        return (await visible_chat(self.chats, user, chat_id)).snapshot()

    async def sync(self, user: Principal, since: str, limit: int) -> SyncPage:
        """Chats (visible to the user) changed after ``since``, and the ids of those deleted after
        it that the user could see when they were deleted; a client that missed stream frames
        resyncs here.

        Deletions are read from tombstones, kept for ``LIVECHAT_TOMBSTONE_SECONDS`` (30 days by
        default) after each deletion: a cursor older than that may miss deletions, so a client
        whose cursor is that old reloads its chats (``GET /v1/chats``) instead of resyncing."""
        try:
            at, after_id = parse_sync_cursor(since)
        except ValueError as exc:
            raise InvalidCursor() from exc
        changed = [c.snapshot() for c in await self.queries.changed_since(user, at, after_id, limit)]
        deleted = await self.queries.deleted_since(user, at, after_id, limit)
        return sync_page(changed, deleted, limit, since)

    async def patch(
        self,
        user: Principal,
        chat_id: str,
        patch: ChatPatch,
        *,
        if_match: int | None = None,
        correlation_id: str | None = None,
    ) -> ChatSnapshot:
        """Change a chat's description, status or custom fields (the ``manage`` permission); with
        ``if_match``, only if the chat is still at that version (else :class:`VersionMismatch`)."""

        async def work(session: Session) -> Change[ChatSnapshot]:
            chat = await visible_chat(self.chats, user, chat_id, session)
            if not user.has(Permission.MANAGE):
                raise ManageForbidden()
            if if_match is not None and if_match != chat.version:
                raise VersionMismatch(f"the chat is at version {chat.version}, not {if_match}")
            changes = await self._changes(chat, patch)
            if not changes:
                return Change(chat.snapshot())
            changes["updated_at"] = utcnow()
            updated = await self.chats.change(chat, changes, session)
            if updated is None:
                raise RaceLost()  # read again: with If-Match that becomes a version mismatch
            events: list[Envelope] = [chat_changed(updated, correlation_id=correlation_id, before=chat)]
            if updated.status == "closed" and chat.status != "closed":
                events.append(chat_closed(updated, by=user.user_id, correlation_id=correlation_id))
            moved = placement_changed(chat, updated, correlation_id=correlation_id)  # done, reopened
            events += [moved] if moved is not None else []
            return Change(updated.snapshot(), events)

        return await self.writer.write(work)

    async def tag(
        self, user: Principal, chat_id: str, tag_id: str, *, correlation_id: str | None = None
    ) -> ChatSnapshot:
        """Put one of the teamspace's tags on the chat (``manage``); a tag it has already is no change."""
        return await self._retag(user, chat_id, tag_id, add=True, correlation_id=correlation_id)

    async def untag(
        self, user: Principal, chat_id: str, tag_id: str, *, correlation_id: str | None = None
    ) -> ChatSnapshot:
        """Take a tag off the chat (``manage``); a tag it does not have is no change."""
        return await self._retag(user, chat_id, tag_id, add=False, correlation_id=correlation_id)

    async def _retag(
        self, user: Principal, chat_id: str, tag_id: str, *, add: bool, correlation_id: str | None
    ) -> ChatSnapshot:
        async def work(session: Session) -> Change[ChatSnapshot]:
            chat = await visible_chat(self.chats, user, chat_id, session)
            if not user.has(Permission.MANAGE):
                raise ManageForbidden()
            if add:
                found = await self.tags.tags_by_ids(chat.workspace_id, [tag_id])
                if not found or found[0].teamspace_id != chat.teamspace_id:
                    raise UnknownTag()
            tags = [*chat.tags, tag_id] if add else [t for t in chat.tags if t != tag_id]
            if (add and tag_id in chat.tags) or tags == chat.tags:
                return Change(chat.snapshot())
            updated = await self.chats.change(chat, {"tags": tags, "updated_at": utcnow()}, session)
            if updated is None:
                raise RaceLost()
            return Change(updated.snapshot(), [chat_changed(updated, correlation_id=correlation_id)])

        return await self.writer.write(work)

    async def _changes(self, chat: Chat, patch: ChatPatch) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if patch.description is not None and patch.description != chat.description:
            changes["description"] = patch.description
        if patch.custom_fields:
            values = await self.fields.validate(chat.workspace_id, chat.teamspace_id, patch.custom_fields)
            merged = {k: v for k, v in {**chat.custom_fields, **values}.items() if v is not None}
            if merged != chat.custom_fields:
                changes["custom_fields"] = merged
        if patch.status is not None:
            min_tags = await self.policies.min_tags_to_resolve(chat.workspace_id, chat.teamspace_id)
            changes |= status_change(
                current=chat.status,
                mode=chat.mode,
                tags=len(chat.tags),
                new=patch.status,
                min_tags_to_resolve=min_tags,
            )
        return changes


class WaitingChats(Protocol):
    async def reply_time_limits(self) -> list[tuple[str, str, int]]: ...

    async def waiting_since_before(self, teamspace_id: str, before: datetime, limit: int) -> list[Chat]: ...


@dataclass
class OverdueRule:
    """Marks livechats overdue once their person has waited past the teamspace's reply-time limit
    (an agent's reply clears it: see the messages feature). Run every few seconds by every replica:
    each change is a versioned update, so two replicas never mark a chat twice."""

    chats: ChatWriter
    waiting: WaitingChats
    writer: Writer
    batch: int = 200

    async def sweep(self, now: datetime) -> int:
        """Mark what is overdue at ``now``; how many chats were marked."""
        marked = 0
        for _workspace_id, teamspace_id, seconds in await self.waiting.reply_time_limits():
            before = now - timedelta(seconds=seconds)
            for candidate in await self.waiting.waiting_since_before(teamspace_id, before, self.batch):
                if await self._mark(candidate.id, seconds, now):
                    marked += 1
        return marked

    async def _mark(self, chat_id: str, seconds: int, now: datetime) -> bool:
        async def work(session: Session) -> Change[bool]:
            chat = await self.chats.get(chat_id, session)
            if chat is None or not is_overdue(
                status=chat.status,
                mode=chat.mode,
                waiting_since=chat.waiting_since,
                limit_seconds=seconds,
                now=now,
            ):
                return Change(False)  # answered, closed or moved meanwhile
            updated = await self.chats.change(chat, {"status": "overdue", "updated_at": now}, session)
            if updated is None:
                raise RaceLost()
            return Change(True, [chat_changed(updated)])

        return await self.writer.write(work)


class PolicyCopy(Protocol):
    async def apply(
        self, workspace_id: str, teamspace_id: str, min_tags: int, overdue_seconds: int, version: int
    ) -> bool: ...


@dataclass
class TeamspaceRules:
    """Keeps the inbox's copy of each teamspace's chat rules from the assignment service's settings."""

    copy: PolicyCopy

    async def apply(self, workspace_id: str, event: TeamspaceSettingsChangedV1) -> bool:
        rules = event.settings
        return await self.copy.apply(
            workspace_id,
            event.teamspace_id,
            rules.min_tags_to_resolve,
            rules.overdue_after_seconds,
            event.version,
        )
