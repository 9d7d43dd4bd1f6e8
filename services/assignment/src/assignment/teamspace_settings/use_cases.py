"""Reading and changing a teamspace's settings; each change is announced to the services that keep
a copy (the inbox's chat rules, and routing as it comes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import Envelope, TeamspaceSettings, TeamspaceSettingsChangedV1
from livechat_shared.writer import Change, Session, Writer

from ..errors import SettingsForbidden, TeamspaceNotFound
from .rules import may_change
from .schemas import TeamspaceSettingsView


class SettingsStore(Protocol):
    async def get(self, workspace_id: str, teamspace_id: str) -> TeamspaceSettingsView | None: ...

    async def put(
        self, workspace_id: str, teamspace_id: str, settings: TeamspaceSettings, session: Session
    ) -> TeamspaceSettingsView: ...

    async def after(self, last_id: str | None, limit: int) -> list[tuple[str, TeamspaceSettingsView]]: ...


class Teamspaces(Protocol):
    async def get(self, workspace_id: str, item_id: str, session: Session | None = None) -> Any: ...


def settings_changed(workspace_id: str, view: TeamspaceSettingsView) -> Envelope:
    settings = TeamspaceSettings.model_validate(view.model_dump(include=set(TeamspaceSettings.model_fields)))
    return Envelope.wrap(
        TeamspaceSettingsChangedV1(teamspace_id=view.teamspace_id, settings=settings, version=view.version),
        workspace_id=workspace_id,
    )


@dataclass
class TeamspaceSettingsUseCases:
    settings: SettingsStore
    teamspaces: Teamspaces
    writer: Writer
    on_change: Callable[[str, str], Awaitable[None]] | None = None
    """Told of a teamspace's new settings once stored (routing drains its queue: a limit was raised)."""

    async def read(self, user: Principal, teamspace_id: str) -> TeamspaceSettingsView:
        """The teamspace's settings (its defaults until someone changed them)."""
        if await self.teamspaces.get(user.workspace_id, teamspace_id) is None:
            raise TeamspaceNotFound()
        stored = await self.settings.get(user.workspace_id, teamspace_id)
        return stored or TeamspaceSettingsView(teamspace_id=teamspace_id, version=0)

    async def put(self, user: Principal, teamspace_id: str, body: TeamspaceSettings) -> TeamspaceSettingsView:
        """Replace the settings (the ``settings`` permission) and announce them."""
        if not may_change(user):
            raise SettingsForbidden()
        if await self.teamspaces.get(user.workspace_id, teamspace_id) is None:
            raise TeamspaceNotFound()

        async def work(session: Session) -> Change[TeamspaceSettingsView]:
            stored = await self.settings.put(user.workspace_id, teamspace_id, body, session)
            return Change(stored, [settings_changed(user.workspace_id, stored)])

        stored = await self.writer.write(work)
        if self.on_change is not None:
            await self.on_change(user.workspace_id, teamspace_id)
        return stored

    async def republish(self, batch: int = 200) -> int:
        """Announce every teamspace's settings again (at start-up), so a copy that is new or was lost
        catches up; how many were announced."""
        count, last = 0, None
        while page := await self.settings.after(last, batch):

            async def work(
                session: Session, page: list[tuple[str, TeamspaceSettingsView]] = page
            ) -> Change[None]:
                return Change(None, [settings_changed(ws, view) for ws, view in page])

            await self.writer.write(work)
            count, last = count + len(page), page[-1][1].teamspace_id
        return count
