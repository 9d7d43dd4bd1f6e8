"""``livechat bootstrap`` and ``livechat token``: talk to the running services over HTTP, signing
with the development key, so a fresh stack gets a workspace and an admin in one command."""

from __future__ import annotations

from typing import Any

import httpx
from livechat_shared.auth import Role, issue_token
from livechat_shared.ids import new_id
from livechat_shared.settings import ServiceSettings


class CliSettings(ServiceSettings):
    service_name: str = "cli"
    ingest_url: str = "http://127.0.0.1:8081"
    inbox_url: str = "http://127.0.0.1:8082"
    assignment_url: str = "http://127.0.0.1:8083"
    export_url: str = "http://127.0.0.1:8084"
    aiagent_url: str = "http://127.0.0.1:8085"


class BootstrapError(RuntimeError):
    pass


def _call(
    client: httpx.Client, method: str, url: str, token: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = client.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"})
    if response.status_code >= 400:
        raise BootstrapError(f"{method} {url} answered {response.status_code}: {response.text}")
    body_out: dict[str, Any] = response.json()
    return body_out


def bootstrap(settings: CliSettings, workspace_name: str) -> dict[str, Any]:
    workspace_id = new_id()
    setup = issue_token(settings, user_id="bootstrap", workspace_id=workspace_id, role=Role.ADMIN)
    a, i = settings.assignment_url.rstrip("/"), settings.ingest_url.rstrip("/")
    with httpx.Client(timeout=15) as client:
        _call(client, "PUT", f"{a}/v1/workspace", setup, {"name": workspace_name})
        teamspace = _call(client, "POST", f"{a}/v1/teamspaces", setup, {"name": "Default"})
        team = _call(
            client, "POST", f"{a}/v1/teams", setup, {"teamspace_id": teamspace["id"], "name": "Support"}
        )
        user = _call(
            client,
            "POST",
            f"{a}/v1/users",
            setup,
            {
                "name": "Admin",
                "email": f"admin@{workspace_id.lower()}.example.com",
                "role": "admin",
                "team_ids": [team["id"]],
            },
        )
        app = _call(
            client,
            "POST",
            f"{i}/v1/apps",
            setup,
            {
                "teamspace_id": teamspace["id"],
                "channel": "webchat",
                "name": "Website chat",
                "team_ids": [team["id"]],
            },
        )
    token = issue_token(
        settings,
        user_id=user["id"],
        workspace_id=workspace_id,
        role=Role.ADMIN,
        teams=[team["id"]],
        name=user["name"],
    )
    return {
        "workspace_id": workspace_id,
        "workspace": workspace_name,
        "teamspace_id": teamspace["id"],
        "team_id": team["id"],
        "app_id": app["id"],
        "user_id": user["id"],
        "token": token,
    }


def token_for(settings: CliSettings, workspace_id: str, user_id: str) -> str:
    lookup = issue_token(settings, user_id="cli", workspace_id=workspace_id, role=Role.ADMIN)
    with httpx.Client(timeout=15) as client:
        user = _call(client, "GET", f"{settings.assignment_url.rstrip('/')}/v1/users/{user_id}", lookup)
    return issue_token(
        settings,
        user_id=user["id"],
        workspace_id=workspace_id,
        role=user["role"],
        teams=user.get("team_ids", []),
        name=user.get("name"),
    )
