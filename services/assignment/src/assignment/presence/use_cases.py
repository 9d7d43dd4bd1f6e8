"""Setting one's own presence and listing the workspace's; every change is announced
(``PresenceChangedV1``) in the transaction that stores it, and a request that changes nothing
announces nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import Envelope, PresenceChangedV1, PresenceStatus
from livechat_shared.ids import utcnow
from livechat_shared.writer import Change, RaceLost, Session, Writer

from ..core.models import Slice
from ..errors import PresenceForbidden
from .rules import may_see_presence, transition
from .schemas import PresencePut, PresenceState, PresenceView


class PresenceStore(Protocol):
    async def get(self, workspace_id: str, user_id: str, session: Session | None = None) -> PresenceState: ...

    async def save(
        self, workspace_id: str, user_id: str, state: PresenceState, expected_version: int, session: Session
    ) -> bool: ...

    async def page(
        self, workspace_id: str, status: PresenceStatus | None, skip: int, limit: int
    ) -> Slice[PresenceView]: ...


def presence_changed(workspace_id: str, view: PresenceView) -> Envelope:
    assert view.changed_at is not None  # a change has its moment
    event = PresenceChangedV1(
        user_id=view.user_id,
        status=view.status,
        online_since=view.online_since,
        changed_at=view.changed_at,
        version=view.version,
    )
    return Envelope.wrap(event, workspace_id=workspace_id)


def _millis(at: datetime) -> datetime:
    """``at`` as the database keeps it (milliseconds), so a stored moment reads back unchanged."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


@dataclass
class PresenceUseCases:
    presence: PresenceStore
    writer: Writer
    now: Callable[[], datetime] = utcnow
    on_change: Callable[[Principal, PresenceView], Awaitable[None]] | None = None
    """Told of the presence once it is stored (routing gives waiting chats to who is online)."""

    async def set(self, user: Principal, body: PresencePut) -> PresenceView:
        """Set the caller's own presence; announced when it changed."""
        workspace_id, user_id = user.workspace_id, user.user_id

        async def work(session: Session) -> Change[PresenceView]:
            current = await self.presence.get(workspace_id, user_id, session)
            after = transition(current, body.status, _millis(self.now()))
            if after is None:
                return Change(PresenceView.of(user_id, current))
            if not await self.presence.save(workspace_id, user_id, after, current.version, session):
                raise RaceLost()  # a concurrent change of the same user's presence: decide again
            view = PresenceView.of(user_id, after)
            return Change(view, [presence_changed(workspace_id, view)])

        view = await self.writer.write(work)
        if self.on_change is not None:
            await self.on_change(user, view)
        return view

    async def list_presence(
        self, user: Principal, status: PresenceStatus | None, skip: int, limit: int
    ) -> Slice[PresenceView]:
        """The presence of the workspace's active users (``status`` only, when given)."""
        if not may_see_presence(user):
            raise PresenceForbidden()
        return await self.presence.page(user.workspace_id, status, skip, limit)
