"""Use cases of channel apps: create, list and read, by the admins of the caller's workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.ids import new_id, utcnow

from ..core.models import App
from ..core.tokens import digest, new_secret
from ..errors import AppNotFound, Forbidden
from . import rules
from .schemas import AppCreate, AppCreated, AppOut

ADMINS_ONLY = "channel apps are managed by admins"


class AppStore(Protocol):
    async def insert(self, app: App) -> None: ...

    async def get(self, app_id: str) -> App | None: ...

    async def list(self, workspace_id: str, skip: int, limit: int) -> tuple[list[App], int]: ...


@dataclass
class AppUseCases:
    apps: AppStore

    async def create(self, user: Principal, data: AppCreate) -> AppCreated:
        if not rules.may_manage_apps(user):
            raise Forbidden(ADMINS_ONLY)
        api_key = new_secret() if rules.gets_api_key(data.channel) else None
        identity_secret = new_secret() if rules.gets_identity_secret(data.channel) else None
        app = App(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=data.teamspace_id,
            team_ids=data.team_ids,
            channel=data.channel,
            name=data.name,
            credentials=data.credentials,
            api_key_hash=digest(api_key) if api_key else None,
            identity_secret=identity_secret,
            created_at=utcnow(),
        )
        await self.apps.insert(app)
        return AppCreated(**AppOut.of(app).model_dump(), api_key=api_key, identity_secret=identity_secret)

    async def list(self, user: Principal, skip: int, limit: int) -> tuple[list[AppOut], int]:
        if not rules.may_manage_apps(user):
            raise Forbidden(ADMINS_ONLY)
        apps, total = await self.apps.list(user.workspace_id, skip, limit)
        return [AppOut.of(app) for app in apps], total

    async def read(self, user: Principal, app_id: str) -> AppOut:
        """Anyone but an admin of the app's workspace is told it does not exist."""
        app = await self.apps.get(app_id)
        if app is None or not rules.may_see(user, app):
            raise AppNotFound()
        return AppOut.of(app)
