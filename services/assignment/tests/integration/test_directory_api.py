"""The directory's HTTP API, in process, against the real broker and database: one happy path per
route, and each domain error as the client sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from assignment.app import create_app
from assignment.settings import Settings
from livechat_dev.testing import running, settings_from
from livechat_shared.auth import Role, issue_token

USER_FIELDS = {
    "id",
    "workspace_id",
    "name",
    "email",
    "role",
    "team_ids",
    "languages",
    "max_chats",
    "created_at",
}


@pytest.fixture
async def api(env: dict[str, str]) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    settings = settings_from(Settings, env)
    async with running(create_app(settings)) as client:
        yield client, settings


def as_user(settings: Settings, role: Role = Role.ADMIN, workspace_id: str = "W1") -> dict[str, str]:
    token = issue_token(settings, user_id=f"u-{role}", workspace_id=workspace_id, role=role)
    return {"Authorization": f"Bearer {token}"}


def error(response: httpx.Response) -> tuple[int, str, str]:
    body: dict[str, Any] = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def is_timestamp(value: str) -> bool:
    return datetime.fromisoformat(value).isoformat() == value and value.endswith("+00:00")


def as_stored(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` as read back: the database keeps timestamps to the millisecond."""

    def ms(at: str) -> str:
        moment = datetime.fromisoformat(at)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000).isoformat()

    return {k: ms(v) if k.endswith("_at") and v else v for k, v in item.items()}


async def test_workspace(api: tuple[httpx.AsyncClient, Settings]) -> None:
    http, settings = api
    admin = as_user(settings)
    assert error(await http.get("/v1/workspace", headers=admin)) == (404, "not_found", "workspace not found")
    put = await http.put("/v1/workspace", headers=admin, json={"name": "Acme"})
    assert put.status_code == 200, put.text
    assert set(put.json()) == {"id", "name", "created_at", "updated_at"}
    assert (put.json()["id"], put.json()["name"]) == ("W1", "Acme")
    assert is_timestamp(put.json()["created_at"]) and is_timestamp(put.json()["updated_at"])
    got = (await http.get("/v1/workspace", headers=as_user(settings, Role.AGENT))).json()
    assert got == put.json()
    refused = await http.put("/v1/workspace", headers=as_user(settings, Role.AGENT), json={"name": "Mine"})
    assert error(refused) == (403, "forbidden", "this needs the settings permission")
    assert error(await http.get("/v1/workspace")) == (401, "unauthorized", "a bearer token is required")


async def test_teamspaces_and_teams(api: tuple[httpx.AsyncClient, Settings]) -> None:
    http, settings = api
    admin, agent = as_user(settings), as_user(settings, Role.AGENT)
    made = await http.post("/v1/teamspaces", headers=admin, json={"name": "Europe"})
    assert made.status_code == 201, made.text
    teamspace = made.json()
    assert set(teamspace) == {"id", "workspace_id", "name", "created_at"}
    listed = (await http.get("/v1/teamspaces", headers=agent)).json()
    assert listed == {"items": [as_stored(teamspace)], "total": 1, "page": 1, "page_size": 50}

    made = await http.post(
        "/v1/teams", headers=admin, json={"teamspace_id": teamspace["id"], "name": "Billing"}
    )
    assert made.status_code == 201, made.text
    team = made.json()
    assert team == {
        "id": team["id"],
        "workspace_id": "W1",
        "teamspace_id": teamspace["id"],
        "name": "Billing",
        "created_at": team["created_at"],
    }
    assert (await http.get(f"/v1/teams/{team['id']}", headers=agent)).json() == as_stored(team)
    listed = (await http.get("/v1/teams?page=1&page_size=1", headers=agent)).json()
    assert listed == {"items": [as_stored(team)], "total": 1, "page": 1, "page_size": 1}
    renamed = await http.patch(f"/v1/teams/{team['id']}", headers=admin, json={"name": "Sales"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == as_stored({**team, "name": "Sales", "updated_at": renamed.json()["updated_at"]})
    assert is_timestamp(renamed.json()["updated_at"])

    unknown = await http.post("/v1/teams", headers=admin, json={"teamspace_id": "nope", "name": "X"})
    assert error(unknown) == (422, "unknown_teamspace", "teamspace_id names no teamspace of this workspace")
    for refused in (
        await http.post("/v1/teamspaces", headers=agent, json={"name": "Mine"}),
        await http.post("/v1/teams", headers=agent, json={"teamspace_id": teamspace["id"], "name": "Mine"}),
        await http.patch(f"/v1/teams/{team['id']}", headers=agent, json={"name": "Mine"}),
    ):
        assert error(refused) == (403, "forbidden", "this needs the settings permission")
    stranger = as_user(settings, workspace_id="W2")
    assert error(await http.get(f"/v1/teams/{team['id']}", headers=stranger)) == (
        404,
        "not_found",
        "team not found",
    )
    patched = await http.patch(f"/v1/teams/{team['id']}", headers=stranger, json={"name": "Theirs"})
    assert error(patched) == (404, "not_found", "team not found")
    assert (await http.get("/v1/teamspaces?page_size=0", headers=admin)).status_code == 422


async def test_users(api: tuple[httpx.AsyncClient, Settings]) -> None:
    http, settings = api
    admin, agent = as_user(settings), as_user(settings, Role.AGENT)
    teamspace = (await http.post("/v1/teamspaces", headers=admin, json={"name": "Europe"})).json()
    team = (
        await http.post("/v1/teams", headers=admin, json={"teamspace_id": teamspace["id"], "name": "Billing"})
    ).json()
    body = {"name": "Jonas", "email": "Jonas@Acme.example", "team_ids": [team["id"]]}
    made = await http.post("/v1/users", headers=admin, json=body)
    assert made.status_code == 201, made.text
    user = made.json()
    assert set(user) == USER_FIELDS
    assert (user["email"], user["role"], user["team_ids"], user["languages"], user["max_chats"]) == (
        "jonas@acme.example",
        "agent",
        [team["id"]],
        [],
        None,
    )
    assert (await http.get(f"/v1/users/{user['id']}", headers=agent)).json() == as_stored(user)
    listed = (await http.get("/v1/users", headers=agent)).json()
    assert listed == {"items": [as_stored(user)], "total": 1, "page": 1, "page_size": 50}
    changed = await http.patch(
        f"/v1/users/{user['id']}", headers=admin, json={"role": "supervisor", "max_chats": 4}
    )
    assert changed.status_code == 200, changed.text
    assert set(changed.json()) == USER_FIELDS | {"updated_at"}
    assert (changed.json()["role"], changed.json()["max_chats"]) == ("supervisor", 4)

    taken = await http.post("/v1/users", headers=admin, json={"name": "J2", "email": "jonas@acme.example"})
    assert error(taken) == (409, "email_taken", "a user with this email already exists")
    unknown = {"name": "X", "email": "x@example.com", "team_ids": ["NO-SUCH-TEAM"]}
    no_team = (422, "unknown_team", "team_ids names a team that does not exist in this workspace")
    assert error(await http.post("/v1/users", headers=admin, json=unknown)) == no_team
    assert (
        error(await http.patch(f"/v1/users/{user['id']}", headers=admin, json={"team_ids": ["NO"]}))
        == no_team
    )
    forbidden = (403, "forbidden", "this needs the settings permission")
    assert (
        error(await http.post("/v1/users", headers=agent, json={"name": "Y", "email": "y@e.com"}))
        == forbidden
    )
    assert error(await http.patch(f"/v1/users/{user['id']}", headers=agent, json={"name": "Y"})) == forbidden
    missing = (404, "not_found", "user not found")
    assert error(await http.get("/v1/users/nobody", headers=admin)) == missing
    assert error(await http.patch("/v1/users/nobody", headers=admin, json={"name": "Y"})) == missing
    assert (await http.get("/v1/users", headers=admin)).json()["total"] == 1


async def test_openapi_documents_every_response_body(api: tuple[httpx.AsyncClient, Settings]) -> None:
    http, _ = api
    document = (await http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert {"WorkspaceOut", "TeamspaceOut", "TeamOut", "UserOut", "Page_UserOut_"} <= set(schemas)
    created = document["paths"]["/v1/users"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/UserOut"}
    assert created["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
