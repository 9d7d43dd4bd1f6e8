"""Composition root of the assignment service: the directory (workspace, teamspaces, teams,
users), the authority every other service copies; routing strategies, presence and the queue
build on it.

Requests are authorised from this service's own users (``UserDirectory``). Every user change is
announced through the transactional outbox; at start-up, once the relay runs, every user is
announced again (``DirectoryUseCases.republish_users``), so a copy that is new or was lost catches
up without an operator's help.
"""

from __future__ import annotations

from fastapi import FastAPI
from livechat_shared.ratelimit import Limit
from livechat_shared.runtime import Runtime
from livechat_shared.telemetry import get_logger
from livechat_shared.web import create_service_app
from livechat_shared.writer import Writer

from .directory import routes as directory_routes
from .directory.repository import (
    TeamRepository,
    TeamspaceRepository,
    UserDirectory,
    UserRepository,
    WorkspaceRepository,
)
from .directory.use_cases import DirectoryUseCases, OperatorUseCases
from .errors import HTTP_STATUS, WriteConflict
from .presence import routes as presence_routes
from .presence.repository import PresenceRepository
from .presence.use_cases import PresenceUseCases
from .settings import Settings
from .teamspace_settings import routes as teamspace_settings_routes
from .teamspace_settings.repository import TeamspaceSettingsRepository
from .teamspace_settings.use_cases import TeamspaceSettingsUseCases

log = get_logger(__name__)


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    outbox = runtime.relayed_outbox()
    writer = Writer(mongo, outbox, conflict=WriteConflict)
    workspaces, users = WorkspaceRepository(mongo), UserRepository(mongo)
    runtime.directory = UserDirectory(users)
    teamspaces = TeamspaceRepository(mongo)
    teamspace_settings = TeamspaceSettingsUseCases(
        settings=TeamspaceSettingsRepository(mongo), teamspaces=teamspaces, writer=writer
    )
    directory = DirectoryUseCases(
        workspaces=workspaces,
        teamspaces=teamspaces,
        teams=TeamRepository(mongo),
        users=users,
        writer=writer,
    )
    operator = OperatorUseCases(
        operator_key=settings.operator_key,
        auth_failures=Limit(settings.rate_auth_failures_per_minute, 60, "refused operator keys"),
        limiter=runtime.limiter,
        workspaces=workspaces,
        users=users,
        writer=writer,
    )

    async def announce_directory() -> None:  # after the relay started (it is registered first)
        log.info("directory_republished", users=await directory.republish_users())
        log.info("teamspace_settings_republished", teamspaces=await teamspace_settings.republish())

    runtime.on_start.append(announce_directory)

    app = create_service_app(
        runtime, title="livechat assignment", description="Agents, teams and routing", errors=HTTP_STATUS
    )
    app.state.directory, app.state.operator, app.state.outbox = directory, operator, outbox
    app.state.teamspace_settings = teamspace_settings
    app.state.presence = PresenceUseCases(presence=PresenceRepository(mongo), writer=writer)
    app.include_router(directory_routes.router)
    app.include_router(teamspace_settings_routes.router)
    app.include_router(presence_routes.router)
    return app
