"""``livechat bootstrap`` and ``livechat token``: talk to the running services over HTTP.

A workspace and its first admin are created by the operator (``POST /v1/workspaces`` on the
assignment service, with ``X-Operator-Key: $LIVECHAT_OPERATOR_KEY``); everything else is done as
that admin, with a token signed by the configured (development) key. A token proves only who the
caller is: each service looks the user up in its copy of the directory, which the assignment
service feeds over the bus.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx
from livechat_shared.auth import issue_token
from livechat_shared.settings import ServiceSettings

OPERATOR_HEADER = "X-Operator-Key"
COPY_WAIT_SECONDS = 20.0
"""How long a service's copy of the directory may take to learn of a new user (``request_json``)."""


class CliSettings(ServiceSettings):
    service_name: str = "cli"
    ingest_url: str = "http://127.0.0.1:8081"
    inbox_url: str = "http://127.0.0.1:8082"
    assignment_url: str = "http://127.0.0.1:8083"
    export_url: str = "http://127.0.0.1:8084"
    aiagent_url: str = "http://127.0.0.1:8085"


class BootstrapError(RuntimeError):
    pass


def request_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    token: str | None = None,
    operator_key: str | None = None,
    body: dict[str, Any] | None = None,
    wait_for_copy: float = 0.0,
) -> dict[str, Any]:
    """One JSON call; raises BootstrapError on an error status.

    With ``wait_for_copy``, a 401 is retried for up to that many seconds: the service called
    learns of a new user from the bus (``assignment.user.changed.v1``), so its copy of the directory
    is eventually consistent and refuses the user's token until the event has arrived.
    """
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if operator_key is not None:
        headers[OPERATOR_HEADER] = operator_key
    deadline, pause = time.monotonic() + wait_for_copy, 0.25
    while True:
        response = client.request(method, url, json=body, headers=headers)
        if response.status_code != 401 or time.monotonic() + pause > deadline:
            break
        time.sleep(pause)
        pause = min(pause * 2, 2.0)  # a few tries only: refused tokens are rate-limited per address
    if response.status_code >= 400:
        raise BootstrapError(f"{method} {url} answered {response.status_code}: {response.text}")
    body_out: dict[str, Any] = response.json()
    return body_out


def bootstrap(settings: CliSettings, workspace_name: str) -> dict[str, Any]:
    """Create a workspace with its admin (the operator's call), then, as that admin, a teamspace,
    a team the admin joins, and a Webchat app; returns what a user needs to start."""
    a, i = settings.assignment_url.rstrip("/"), settings.ingest_url.rstrip("/")
    with httpx.Client(timeout=15) as http:
        created = request_json(
            http,
            "POST",
            f"{a}/v1/workspaces",
            operator_key=settings.operator_key,
            body={"name": workspace_name, "admin": {"name": "Admin", "email": "admin@example.com"}},
        )
        workspace_id, admin = created["workspace"]["id"], created["admin"]
        token = issue_token(
            settings, user_id=admin["id"], workspace_id=workspace_id, role=admin["role"], name=admin["name"]
        )
        teamspace = request_json(http, "POST", f"{a}/v1/teamspaces", token=token, body={"name": "Default"})
        team = request_json(
            http,
            "POST",
            f"{a}/v1/teams",
            token=token,
            body={"teamspace_id": teamspace["id"], "name": "Support"},
        )
        request_json(
            http, "PATCH", f"{a}/v1/users/{_seg(admin['id'])}", token=token, body={"team_ids": [team["id"]]}
        )
        # Ingest learns of the new admin through the bus: retry its 401s while its copy catches up.
        app = request_json(
            http,
            "POST",
            f"{i}/v1/apps",
            token=token,
            body={
                "teamspace_id": teamspace["id"],
                "channel": "webchat",
                "name": "Website chat",
                "team_ids": [team["id"]],
            },
            wait_for_copy=COPY_WAIT_SECONDS,
        )
    out = {
        "workspace_id": workspace_id,
        "workspace": workspace_name,
        "teamspace_id": teamspace["id"],
        "team_id": team["id"],
        "app_id": app["id"],
        "user_id": admin["id"],
        "token": issue_token(
            settings,
            user_id=admin["id"],
            workspace_id=workspace_id,
            role=admin["role"],
            teams=[team["id"]],
            name=admin["name"],
        ),
    }
    if app.get("identity_secret"):
        out["identity_secret"] = app["identity_secret"]
    return out


def token_for(settings: CliSettings, workspace_id: str, user_id: str) -> str:
    """A token for an existing, active user, looked up through the operator's endpoint."""
    url = f"{settings.assignment_url.rstrip('/')}/v1/workspaces/{_seg(workspace_id)}/users/{_seg(user_id)}"
    with httpx.Client(timeout=15) as http:
        user = request_json(http, "GET", url, operator_key=settings.operator_key)
    if not user.get("active", True):
        raise BootstrapError(f"user {user_id} is deactivated")
    return issue_token(
        settings,
        user_id=user["id"],
        workspace_id=workspace_id,
        role=user["role"],
        teams=user.get("team_ids", []),
        name=user.get("name"),
    )


def _seg(value: str) -> str:
    """``value`` as one path segment."""
    return quote(value, safe="")
