"""Composition root of the assignment service: the directory (workspace, teamspaces, teams,
users); routing strategies, presence and the queue build on it."""

from __future__ import annotations

from fastapi import FastAPI
from livechat_shared.runtime import Runtime
from livechat_shared.web import create_service_app

from .directory import routes as directory_routes
from .directory.repository import TeamRepository, TeamspaceRepository, UserRepository, WorkspaceRepository
from .directory.use_cases import DirectoryUseCases
from .errors import HTTP_STATUS
from .settings import Settings


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    app = create_service_app(
        runtime, title="livechat assignment", description="Agents, teams and routing", errors=HTTP_STATUS
    )
    app.state.directory = DirectoryUseCases(
        workspaces=WorkspaceRepository(mongo),
        teamspaces=TeamspaceRepository(mongo),
        teams=TeamRepository(mongo),
        users=UserRepository(mongo),
    )
    app.include_router(directory_routes.router)
    return app
