"""Composition root of the assignment service: the directory (workspace, teamspaces, teams,
users), the authority every other service copies; routing strategies, presence and the queue
build on it.

Requests are authorised from this service's own users (``UserDirectory``). Every user change is
announced through the transactional outbox; at start-up, once the relay runs, every user is
announced again (``DirectoryUseCases.republish_users``), so a copy that is new or was lost catches
up without an operator's help.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from fastapi import FastAPI
from livechat_shared.auth import Principal
from livechat_shared.contracts import TeamspaceSettings
from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from livechat_shared.ratelimit import Limit
from livechat_shared.runtime import Runtime
from livechat_shared.telemetry import get_logger
from livechat_shared.topology import ASSIGNMENT_CHATS
from livechat_shared.web import create_service_app
from livechat_shared.writer import Writer

from .assigning import routes as assigning_routes
from .assigning.handlers import BusAnnouncer, on_chat_placement
from .assigning.repository import (
    AgentLoadRepository,
    ChatAssignmentRepository,
    DecisionLogRepository,
    RoutingStateRepository,
    TeamspacePool,
)
from .assigning.use_cases import Assigner, Routing
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
from .presence.schemas import PresenceView
from .presence.use_cases import PresenceUseCases
from .settings import Settings
from .sign_in import routes as sign_in_routes
from .sign_in.rules import login_config
from .teamspace_settings import routes as teamspace_settings_routes
from .teamspace_settings.repository import TeamspaceSettingsRepository
from .teamspace_settings.use_cases import TeamspaceSettingsUseCases

log = get_logger(__name__)


class _StoredSettings:
    """Each teamspace's settings as routing reads them (the defaults until an admin changed them),
    kept for a second: a change made through this replica applies at once (``forget``), one made
    through another within the second."""

    def __init__(self, settings: TeamspaceSettingsRepository, seconds: float = 1.0) -> None:
        self.settings, self.seconds = settings, seconds
        self._kept: dict[str, tuple[float, TeamspaceSettings]] = {}

    async def of(self, workspace_id: str, teamspace_id: str) -> TeamspaceSettings:
        kept = self._kept.get(teamspace_id)
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        stored = await self.settings.get(workspace_id, teamspace_id)
        value = (
            TeamspaceSettings() if stored is None else TeamspaceSettings.model_validate(stored.model_dump())
        )
        self._kept[teamspace_id] = (time.monotonic(), value)
        return value

    def forget(self, teamspace_id: str) -> None:
        self._kept.pop(teamspace_id, None)


def _routing(
    runtime: Runtime, mongo: Mongo, pool: TeamspacePool, settings: _StoredSettings, sweep_seconds: float
) -> Routing:
    """Routing over this replica's storage: the assigner, the queue, and the sweep every few seconds."""
    loads, queue, decisions = (
        AgentLoadRepository(mongo),
        ChatAssignmentRepository(mongo),
        DecisionLogRepository(mongo),
    )
    announcer = BusAnnouncer(runtime.publisher)
    assigner = Assigner(loads, queue, decisions, RoutingStateRepository(mongo), announcer=announcer)
    routing = Routing(
        assigner=assigner,
        queue=queue,
        loads=loads,
        pool=pool,
        settings=settings,
        log=decisions,
        announcer=announcer,
    )
    runtime.consumers.durable(ASSIGNMENT_CHATS, on_chat_placement(routing))
    runtime.every(sweep_seconds, lambda: routing.sweep(utcnow()), name="assignment-sweep")
    return routing


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    outbox = runtime.relayed_outbox()
    writer = Writer(mongo, outbox, conflict=WriteConflict)
    workspaces, users, teams = WorkspaceRepository(mongo), UserRepository(mongo), TeamRepository(mongo)
    runtime.directory = UserDirectory(users, teams)
    teamspaces = TeamspaceRepository(mongo)
    stored_settings = _StoredSettings(TeamspaceSettingsRepository(mongo))
    pool = TeamspacePool(mongo)
    routing = _routing(runtime, mongo, pool, stored_settings, settings.assignment_sweep_seconds)

    async def settings_changed(workspace_id: str, teamspace_id: str) -> None:
        stored_settings.forget(teamspace_id)  # a raised limit applies at once: drain
        await _drained(routing.drain(workspace_id, teamspace_id))

    teamspace_settings = TeamspaceSettingsUseCases(
        settings=TeamspaceSettingsRepository(mongo),
        teamspaces=teamspaces,
        writer=writer,
        on_change=settings_changed,
    )
    directory = DirectoryUseCases(
        workspaces=workspaces,
        teamspaces=teamspaces,
        teams=teams,
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
    app.state.login_config = login_config(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        scope=settings.oidc_scope,
        audience=settings.jwt_audience,
    )

    async def came_online(user: Principal, view: PresenceView) -> None:
        pool.forget_presence()
        if view.status == "online":
            await _drained(routing.drain_for(user.workspace_id, sorted(user.teams)))

    app.state.presence = PresenceUseCases(
        presence=PresenceRepository(mongo), writer=writer, on_change=came_online
    )
    app.state.routing = routing
    app.include_router(sign_in_routes.router)
    app.include_router(directory_routes.router)
    app.include_router(teamspace_settings_routes.router)
    app.include_router(presence_routes.router)
    app.include_router(assigning_routes.router)
    return app


async def _drained(drain: Awaitable[int]) -> None:
    """Drain at once after a change that may free capacity; a failure is only logged (the sweep
    drains again within a second)."""
    try:
        await drain
    except Exception as exc:
        log.warning("drain_failed", error=repr(exc))
