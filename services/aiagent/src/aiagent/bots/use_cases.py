"""Reading and changing an app's bot configuration and the workspace's AI settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.ids import utcnow
from livechat_shared.writer import Change, Session, Writer

from ..core.months import month_of
from ..errors import SettingsChangeForbidden, SettingsReadForbidden, UnknownTeam, UnknownUser
from .rules import config_view, may_change, may_read, settings_view, stored_config
from .schemas import AiSettings, AiSettingsPut, AiSettingsView, BotConfig, BotConfigPut, BotConfigView


class BotConfigs(Protocol):
    async def get(
        self, workspace_id: str, app_id: str, session: Session | None = None
    ) -> BotConfig | None: ...

    async def put(
        self, workspace_id: str, app_id: str, config: BotConfig, by: str, session: Session
    ) -> BotConfig: ...


class AiSettingsStore(Protocol):
    async def get(self, workspace_id: str) -> AiSettings: ...

    async def put(self, workspace_id: str, limit: int | None, session: Session) -> AiSettings: ...


class UsageCounts(Protocol):
    async def count(self, workspace_id: str, month: str) -> int: ...


class Staff(Protocol):
    async def unknown_users(self, workspace_id: str, user_ids: Sequence[str]) -> list[str]: ...

    async def unknown_teams(self, workspace_id: str, team_ids: Sequence[str]) -> list[str]: ...


@dataclass
class BotUseCases:
    configs: BotConfigs
    settings: AiSettingsStore
    usage: UsageCounts
    staff: Staff
    writer: Writer
    clock: Callable[[], datetime] = field(default=utcnow)

    async def read(self, user: Principal, app_id: str) -> BotConfigView:
        """The app's configuration (its defaults until an admin changed it)."""
        if not may_read(user):
            raise SettingsReadForbidden()
        stored = await self.configs.get(user.workspace_id, app_id)
        return config_view(app_id, stored or BotConfig())

    async def put(self, user: Principal, app_id: str, body: BotConfigPut) -> BotConfigView:
        """Replace the app's configuration (admins); the handoff target must name active users and
        teams of the workspace. A body without an api key keeps the stored one."""
        if not may_change(user):
            raise SettingsChangeForbidden()
        target = body.handoff.target
        if unknown := await self.staff.unknown_users(user.workspace_id, target.user_ids):
            raise UnknownUser(user_ids=unknown)
        if unknown := await self.staff.unknown_teams(user.workspace_id, target.team_ids):
            raise UnknownTeam(team_ids=unknown)

        async def work(session: Session) -> Change[BotConfig]:
            before = await self.configs.get(user.workspace_id, app_id, session)
            config = stored_config(body, before)
            return Change(await self.configs.put(user.workspace_id, app_id, config, user.user_id, session))

        return config_view(app_id, await self.writer.write(work))

    async def read_settings(self, user: Principal) -> AiSettingsView:
        """The workspace's AI limits and this month's interactions."""
        if not may_read(user):
            raise SettingsReadForbidden()
        month = month_of(self.clock())
        settings = await self.settings.get(user.workspace_id)
        return settings_view(settings, month, await self.usage.count(user.workspace_id, month))

    async def put_settings(self, user: Principal, body: AiSettingsPut) -> AiSettingsView:
        """Replace the workspace's AI limits (admins)."""
        if not may_change(user):
            raise SettingsChangeForbidden()

        async def work(session: Session) -> Change[AiSettings]:
            return Change(await self.settings.put(user.workspace_id, body.monthly_interaction_limit, session))

        settings = await self.writer.write(work)
        month = month_of(self.clock())
        return settings_view(settings, month, await self.usage.count(user.workspace_id, month))
