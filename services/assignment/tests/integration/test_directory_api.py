"""The directory's HTTP API, in process, against the real broker and database: one happy path per
route, and each domain error as the client sees it. Users exist because an admin made them (the
workspace and its first admin come from the operator's endpoint, fixture ``acme``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from assignment.core.models import User
from fastapi import FastAPI
from livechat_shared.auth import Role, issue_token
from livechat_shared.ids import utcnow

FULL_USER_FIELDS = {
    "id",
    "workspace_id",
    "name",
    "email",
    "role",
    "team_ids",
    "languages",
    "max_chats",
    "grants",
    "active",
    "version",
    "created_at",
}
CARD_FIELDS = {"id", "name", "role", "team_ids", "active"}


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


FORBIDDEN = (403, "forbidden", "only an admin may change the directory")


async def test_workspace(api: httpx.AsyncClient, acme: Any) -> None:
    admin, agent = acme.auth(acme.admin), acme.auth(await acme.add_user("agent"))
    got = await api.get("/v1/workspace", headers=agent)
    assert got.status_code == 200, got.text
    assert got.json() == as_stored(acme.workspace)
    assert set(got.json()) == {"id", "name", "created_at", "updated_at"}
    put = await api.put("/v1/workspace", headers=admin, json={"name": "Acme GmbH"})
    assert put.status_code == 200, put.text
    assert (put.json()["id"], put.json()["name"]) == (acme.id, "Acme GmbH")
    assert put.json()["created_at"] == got.json()["created_at"]
    assert is_timestamp(put.json()["updated_at"]) and put.json()["updated_at"] > got.json()["updated_at"]
    assert error(await api.put("/v1/workspace", headers=agent, json={"name": "Mine"})) == FORBIDDEN
    assert (await api.get("/v1/workspace", headers=admin)).json()["name"] == "Acme GmbH"
    assert error(await api.get("/v1/workspace")) == (401, "unauthorized", "a bearer token is required")


async def test_put_workspace_never_creates_one(app: FastAPI, api: httpx.AsyncClient, acme: Any) -> None:
    """A token of an admin whose workspace does not exist renames nothing and creates nothing."""
    stray = User(
        id="u-stray",
        workspace_id="W-NONE",
        name="S",
        email="s@x.example",
        role=Role.ADMIN,
        created_at=utcnow(),
    )
    await app.state.directory.users.add(stray)
    token = issue_token(acme.settings, user_id="u-stray", workspace_id="W-NONE")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.get("/v1/users/u-stray", headers=headers)).status_code == 200  # a valid caller
    put = await api.put("/v1/workspace", headers=headers, json={"name": "Mine"})
    assert error(put) == (404, "not_found", "workspace not found")
    assert error(await api.get("/v1/workspace", headers=headers)) == (404, "not_found", "workspace not found")
    stored = await app.state.runtime.mongo.db["workspaces"].find({}, {"_id": 1}).to_list()
    assert [w["_id"] for w in stored] == [acme.id]


async def test_teamspaces_and_teams(api: httpx.AsyncClient, acme: Any, new_org: Any) -> None:
    admin, agent = acme.auth(acme.admin), acme.auth(await acme.add_user("agent"))
    supervisor = acme.auth(await acme.add_user("supervisor"))
    made = await api.post("/v1/teamspaces", headers=admin, json={"name": "Europe"})
    assert made.status_code == 201, made.text
    teamspace = made.json()
    assert set(teamspace) == {"id", "workspace_id", "name", "created_at"}
    listed = (await api.get("/v1/teamspaces", headers=agent)).json()
    assert listed == {"items": [as_stored(teamspace)], "total": 1, "page": 1, "page_size": 50}

    made = await api.post(
        "/v1/teams", headers=admin, json={"teamspace_id": teamspace["id"], "name": "Billing"}
    )
    assert made.status_code == 201, made.text
    team = made.json()
    assert team == {
        "id": team["id"],
        "workspace_id": acme.id,
        "teamspace_id": teamspace["id"],
        "name": "Billing",
        "grants": [],
        "created_at": team["created_at"],
    }
    assert (await api.get(f"/v1/teams/{team['id']}", headers=agent)).json() == as_stored(team)
    listed = (await api.get("/v1/teams?page=1&page_size=1", headers=agent)).json()
    assert listed == {"items": [as_stored(team)], "total": 1, "page": 1, "page_size": 1}
    renamed = await api.patch(f"/v1/teams/{team['id']}", headers=admin, json={"name": "Sales"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == as_stored({**team, "name": "Sales", "updated_at": renamed.json()["updated_at"]})
    assert is_timestamp(renamed.json()["updated_at"])

    unknown = await api.post("/v1/teams", headers=admin, json={"teamspace_id": "nope", "name": "X"})
    assert error(unknown) == (422, "unknown_teamspace", "teamspace_id names no teamspace of this workspace")
    for caller in (agent, supervisor):
        for refused in (
            await api.post("/v1/teamspaces", headers=caller, json={"name": "Mine"}),
            await api.post(
                "/v1/teams", headers=caller, json={"teamspace_id": teamspace["id"], "name": "Mine"}
            ),
            await api.patch(f"/v1/teams/{team['id']}", headers=caller, json={"name": "Mine"}),
        ):
            assert error(refused) == FORBIDDEN
    assert (await api.get("/v1/teamspaces", headers=admin)).json()["total"] == 1
    assert (await api.get(f"/v1/teams/{team['id']}", headers=admin)).json()["name"] == "Sales"

    other = await new_org("Other")
    stranger = other.auth(other.admin)
    assert error(await api.get(f"/v1/teams/{team['id']}", headers=stranger)) == (
        404,
        "not_found",
        "team not found",
    )
    patched = await api.patch(f"/v1/teams/{team['id']}", headers=stranger, json={"name": "Theirs"})
    assert error(patched) == (404, "not_found", "team not found")
    assert (await api.get("/v1/teamspaces?page_size=0", headers=admin)).status_code == 422


async def test_users(api: httpx.AsyncClient, acme: Any) -> None:
    admin = acme.auth(acme.admin)
    teamspace = (await api.post("/v1/teamspaces", headers=admin, json={"name": "Europe"})).json()
    team = (
        await api.post("/v1/teams", headers=admin, json={"teamspace_id": teamspace["id"], "name": "Billing"})
    ).json()
    body = {"name": "Jonas", "email": "Jonas@Acme.example", "team_ids": [team["id"]], "grants": ["export"]}
    made = await api.post("/v1/users", headers=admin, json=body)
    assert made.status_code == 201, made.text
    user = made.json()
    assert set(user) == FULL_USER_FIELDS
    assert {k: user[k] for k in FULL_USER_FIELDS - {"id", "created_at"}} == {
        "workspace_id": acme.id,
        "name": "Jonas",
        "email": "jonas@acme.example",
        "role": "agent",
        "team_ids": [team["id"]],
        "languages": [],
        "max_chats": None,
        "grants": ["export"],
        "active": True,
        "version": 1,
    }
    assert (await api.get(f"/v1/users/{user['id']}", headers=admin)).json() == as_stored(user)
    listed = (await api.get("/v1/users", headers=admin)).json()
    assert listed == {
        "items": [as_stored(acme.admin), as_stored(user)],
        "total": 2,
        "page": 1,
        "page_size": 50,
    }
    changed = await api.patch(
        f"/v1/users/{user['id']}", headers=admin, json={"role": "supervisor", "max_chats": 4}
    )
    assert changed.status_code == 200, changed.text
    assert set(changed.json()) == FULL_USER_FIELDS | {"updated_at"}
    assert (changed.json()["role"], changed.json()["max_chats"], changed.json()["version"]) == (
        "supervisor",
        4,
        2,
    )

    taken = await api.post("/v1/users", headers=admin, json={"name": "J2", "email": "jonas@acme.example"})
    assert error(taken) == (409, "email_taken", "a user with this email already exists")
    unknown = {"name": "X", "email": "x@example.com", "team_ids": ["NO-SUCH-TEAM"]}
    no_team = (422, "unknown_team", "team_ids names a team that does not exist in this workspace")
    assert error(await api.post("/v1/users", headers=admin, json=unknown)) == no_team
    assert (
        error(await api.patch(f"/v1/users/{user['id']}", headers=admin, json={"team_ids": ["NO"]})) == no_team
    )
    missing = (404, "not_found", "user not found")
    assert error(await api.get("/v1/users/nobody", headers=admin)) == missing
    assert error(await api.patch("/v1/users/nobody", headers=admin, json={"name": "Y"})) == missing
    assert (await api.get("/v1/users", headers=admin)).json()["total"] == 2


async def test_other_users_see_the_card(api: httpx.AsyncClient, acme: Any) -> None:
    """Supervisors and agents see no email, languages, capacity or grants; admins see everything."""
    jonas = await acme.add_user("agent", languages=["de"], max_chats=3, grants=["export"])
    for role in ("agent", "supervisor"):
        viewer = acme.auth(await acme.add_user(role))
        read = (await api.get(f"/v1/users/{jonas['id']}", headers=viewer)).json()
        assert read == {k: jonas[k] for k in CARD_FIELDS}
        listed = (await api.get("/v1/users", headers=viewer)).json()
        assert listed["total"] == len(listed["items"]) >= 3
        assert all(set(item) == CARD_FIELDS for item in listed["items"])
    full = (await api.get(f"/v1/users/{jonas['id']}", headers=acme.auth(acme.admin))).json()
    assert full == as_stored(jonas)
    everyone = (await api.get("/v1/users", headers=acme.auth(acme.admin))).json()["items"]
    assert all(set(item) == FULL_USER_FIELDS for item in everyone)


async def test_openapi_documents_every_response_body(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert {"WorkspaceOut", "TeamspaceOut", "TeamOut", "UserOut", "UserCard", "WorkspaceCreated"} <= set(
        schemas
    )
    assert set(schemas["UserCard"]["properties"]) == CARD_FIELDS
    assert set(schemas["UserOut"]["properties"]) == FULL_USER_FIELDS | {"updated_at"}
    paths = document["paths"]
    created = paths["/v1/users"]["post"]["responses"]
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/UserOut"}
    assert created["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    read = paths["/v1/users/{user_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert read["anyOf"] == [
        {"$ref": "#/components/schemas/UserOut"},
        {"$ref": "#/components/schemas/UserCard"},
    ]
    workspaces = paths["/v1/workspaces"]["post"]
    assert workspaces["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WorkspaceCreated"
    }
    assert {"401", "404", "429"} <= set(workspaces["responses"])
    assert [(p["name"], p["in"]) for p in workspaces["parameters"]] == [("X-Operator-Key", "header")]
    lookup = paths["/v1/workspaces/{workspace_id}/users/{user_id}"]["get"]
    assert lookup["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserOut"
    }
    assert "X-Operator-Key" in [p["name"] for p in lookup["parameters"]]


async def test_me_is_the_caller_in_full_with_their_permissions(api: httpx.AsyncClient, acme: Any) -> None:
    """Whatever their role, a user reads themselves in full and what they may do (their role's
    permissions and their grants): what a console shows and hides by."""
    agent = await acme.add_user("agent", languages=["de"], max_chats=3, grants=["export"])
    me = await api.get("/v1/me", headers=acme.auth(agent))
    assert me.status_code == 200, me.text
    assert me.json()["user"] == as_stored(agent)
    permissions = set(me.json()["permissions"])
    assert "export" in permissions and "settings" not in permissions and "delete" not in permissions
    admin = (await api.get("/v1/me", headers=acme.auth(acme.admin))).json()
    assert {"settings", "delete", "export"} <= set(admin["permissions"]) and admin["user"]["role"] == "admin"
    assert (await api.get("/v1/me")).status_code == 401
