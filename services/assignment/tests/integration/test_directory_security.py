"""Who may change the directory, and tokens checked against it (issue 6, points 3, 4, 6 and 12),
through HTTP against the real app: a supervisor cannot make themselves admin, a demoted admin gets
an agent's answers on the next request, a deactivated or unknown user's token is refused, the last
admin stays, and only the operator creates workspaces."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from assignment.app import create_app
from assignment.settings import Settings
from fastapi import FastAPI
from livechat_dev.testing import running, settings_from
from livechat_shared.auth import issue_token

FORBIDDEN = (403, "forbidden", "only an admin may change the directory")
LAST_ADMIN = (409, "last_admin", "the last active admin of the workspace cannot be demoted or deactivated")
INVALID_TOKEN = (401, "invalid_token", "the bearer token is invalid or expired, or its user is not active")
BAD_KEY = (401, "invalid_operator_key", "the X-Operator-Key header is missing or wrong")


def error(response: httpx.Response) -> tuple[int, str, str]:
    body: dict[str, Any] = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def bearer(settings: Settings, user_id: str, workspace_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, user_id=user_id, workspace_id=workspace_id)}"}


# --- point 3: a supervisor cannot make themselves admin ---------------------------------------


async def test_the_supervisor_escalation_path_is_closed(api: httpx.AsyncClient, acme: Any) -> None:
    supervisor = await acme.add_user("supervisor")
    agent = await acme.add_user("agent")
    before = await acme.users()
    for caller in (supervisor, agent):
        me = acme.auth(caller)
        attempts = [
            api.post(
                "/v1/users", headers=me, json={"name": "Eve", "email": "eve@x.example", "role": "admin"}
            ),
            api.post("/v1/users", headers=me, json={"name": "Eve", "email": "eve@x.example"}),
            api.patch(f"/v1/users/{caller['id']}", headers=me, json={"role": "admin"}),
            api.patch(f"/v1/users/{caller['id']}", headers=me, json={"grants": ["settings"]}),
            api.patch(f"/v1/users/{acme.admin['id']}", headers=me, json={"role": "agent"}),
            api.patch(f"/v1/users/{acme.admin['id']}", headers=me, json={"active": False}),
            api.put("/v1/workspace", headers=me, json={"name": "Mine"}),
            api.post("/v1/teamspaces", headers=me, json={"name": "Mine"}),
        ]
        for attempt in attempts:
            assert error(await attempt) == FORBIDDEN
    assert await acme.users() == before  # nothing changed: same users, same versions
    assert all(u["version"] == 1 for u in before)
    admin = await api.get("/v1/users", headers=acme.auth(acme.admin))  # the admin is still admin
    assert admin.status_code == 200 and "email" in admin.json()["items"][0]
    assert (await api.get("/v1/workspace", headers=acme.auth(acme.admin))).json()["name"] == "Acme"


# --- point 4: the directory decides, on the next request --------------------------------------


async def test_a_demoted_admin_gets_an_agents_answers_on_the_next_request(
    api: httpx.AsyncClient, acme: Any
) -> None:
    other = await acme.add_user("admin")
    ada = acme.auth(acme.admin)  # the same token before and after
    assert (await api.post("/v1/teamspaces", headers=ada, json={"name": "Before"})).status_code == 201
    demoted = await api.patch(
        f"/v1/users/{acme.admin['id']}", headers=acme.auth(other), json={"role": "agent"}
    )
    assert (demoted.status_code, demoted.json()["role"], demoted.json()["version"]) == (200, "agent", 2)
    assert error(await api.post("/v1/teamspaces", headers=ada, json={"name": "After"})) == FORBIDDEN
    assert (
        error(await api.patch(f"/v1/users/{acme.admin['id']}", headers=ada, json={"role": "admin"}))
        == FORBIDDEN
    )
    seen = (await api.get(f"/v1/users/{other['id']}", headers=ada)).json()
    assert seen == {"id": other["id"], "name": "Admin", "role": "admin", "team_ids": [], "active": True}
    assert [t["name"] for t in (await api.get("/v1/teamspaces", headers=ada)).json()["items"]] == ["Before"]


async def test_a_deactivated_users_token_is_refused_until_they_are_active_again(
    api: httpx.AsyncClient, acme: Any
) -> None:
    agent = await acme.add_user("agent")
    theirs, admin = acme.auth(agent), acme.auth(acme.admin)
    assert (await api.get("/v1/users", headers=theirs)).status_code == 200
    off = await api.patch(f"/v1/users/{agent['id']}", headers=admin, json={"active": False})
    assert (off.status_code, off.json()["active"], off.json()["version"]) == (200, False, 2)
    for request in (api.get("/v1/users", headers=theirs), api.get("/v1/workspace", headers=theirs)):
        assert error(await request) == INVALID_TOKEN
    assert (await api.get(f"/v1/users/{agent['id']}", headers=admin)).json()["active"] is False
    on = await api.patch(f"/v1/users/{agent['id']}", headers=admin, json={"active": True})
    assert (on.status_code, on.json()["active"], on.json()["version"]) == (200, True, 3)
    assert (await api.get("/v1/users", headers=theirs)).status_code == 200


async def test_a_token_for_a_user_the_directory_does_not_know_is_refused(
    api: httpx.AsyncClient, acme: Any, settings: Settings
) -> None:
    for user_id, workspace_id in (
        ("nobody", acme.id),  # no such user
        (acme.admin["id"], "W-OTHER"),  # a real user, another workspace in the token
        ("u-admin", "W-NEW"),  # the probe's attack: a token for a workspace that does not exist
    ):
        headers = bearer(settings, user_id, workspace_id)
        assert error(await api.get("/v1/users", headers=headers)) == INVALID_TOKEN
        assert error(await api.put("/v1/workspace", headers=headers, json={"name": "Mine"})) == INVALID_TOKEN
    stored = await acme.http.get("/v1/workspace", headers=acme.auth(acme.admin))
    assert stored.json()["name"] == "Acme"


# --- the last admin ---------------------------------------------------------------------------


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    api: httpx.AsyncClient, acme: Any
) -> None:
    ada, url = acme.auth(acme.admin), f"/v1/users/{acme.admin['id']}"
    for change in ({"role": "agent"}, {"role": "supervisor"}, {"active": False}):
        assert error(await api.patch(url, headers=ada, json=change)) == LAST_ADMIN
    inactive = await acme.add_user("admin")
    await api.patch(f"/v1/users/{inactive['id']}", headers=ada, json={"active": False})
    assert error(await api.patch(url, headers=ada, json={"active": False})) == LAST_ADMIN  # it does not count
    assert (await api.get(url, headers=ada)).json()["version"] == 1
    await api.patch(f"/v1/users/{inactive['id']}", headers=ada, json={"active": True})
    gone = await api.patch(url, headers=ada, json={"active": False})  # another admin remains now
    assert (gone.status_code, gone.json()["active"]) == (200, False)
    assert error(await api.get("/v1/users", headers=ada)) == INVALID_TOKEN


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    api: httpx.AsyncClient, acme: Any
) -> None:
    for _round in range(3):
        ada, bob = acme.admin, await acme.add_user("admin")
        answers = await asyncio.gather(
            api.patch(f"/v1/users/{bob['id']}", headers=acme.auth(ada), json={"role": "agent"}),
            api.patch(f"/v1/users/{ada['id']}", headers=acme.auth(bob), json={"role": "agent"}),
        )
        codes = sorted(r.status_code for r in answers)
        assert codes in ([200, 403], [200, 409]), [r.text for r in answers]
        seen = (await api.get("/v1/users?page_size=200", headers=acme.auth(ada))).json()["items"]
        admins = [u for u in seen if u["role"] == "admin" and u["active"]]
        assert len(admins) == 1
        acme.admin = admins[0]


# --- point 6: creating a workspace is the operator's act --------------------------------------


async def test_the_operator_creates_a_workspace_and_its_first_admin(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    body = {"name": "Globex", "admin": {"name": "Hank", "email": "Hank@Globex.example"}}
    made = await api.post("/v1/workspaces", headers={"X-Operator-Key": settings.operator_key}, json=body)
    assert made.status_code == 201, made.text
    workspace, admin = made.json()["workspace"], made.json()["admin"]
    assert set(workspace) == {"id", "name", "created_at", "updated_at"} and workspace["name"] == "Globex"
    assert {
        k: admin[k] for k in ("workspace_id", "name", "email", "role", "active", "version", "grants")
    } == {
        "workspace_id": workspace["id"],
        "name": "Hank",
        "email": "hank@globex.example",
        "role": "admin",
        "active": True,
        "version": 1,
        "grants": [],
    }
    hank = bearer(settings, admin["id"], workspace["id"])  # the admin's token works at once here
    assert (await api.get("/v1/workspace", headers=hank)).json()["name"] == "Globex"
    assert (await api.put("/v1/workspace", headers=hank, json={"name": "Globex Corp"})).status_code == 200

    lookup = f"/v1/workspaces/{workspace['id']}/users/{admin['id']}"
    read = await api.get(lookup, headers={"X-Operator-Key": settings.operator_key})
    assert (
        read.status_code == 200
        and read.json()["id"] == admin["id"]
        and read.json()["email"] == admin["email"]
    )
    key = {"X-Operator-Key": settings.operator_key}
    missing = await api.get(f"/v1/workspaces/W-OTHER/users/{admin['id']}", headers=key)
    assert error(missing) == (404, "not_found", "user not found")


async def test_the_operators_calls_need_the_key(
    app: FastAPI, api: httpx.AsyncClient, acme: Any, settings: Settings
) -> None:
    body = {"name": "Initech", "admin": {"name": "Bill", "email": "bill@initech.example"}}
    lookup = f"/v1/workspaces/{acme.id}/users/{acme.admin['id']}"
    wrong = ["", "wrong", settings.operator_key[:-1], settings.operator_key + "x"]
    for headers in [{}, *({"X-Operator-Key": key} for key in wrong)]:
        assert error(await api.post("/v1/workspaces", headers=headers, json=body)) == BAD_KEY
        assert error(await api.get(lookup, headers=headers)) == BAD_KEY
    admin_token = acme.auth(acme.admin)  # a bearer token is no operator key
    assert error(await api.post("/v1/workspaces", headers=admin_token, json=body)) == BAD_KEY
    assert await app.state.runtime.mongo.db["workspaces"].count_documents({}) == 1  # acme only


async def test_operator_calls_are_off_without_a_key(env: dict[str, str]) -> None:
    settings = settings_from(Settings, env, operator_key="")
    body = {"name": "Initech", "admin": {"name": "Bill", "email": "bill@initech.example"}}
    async with running(create_app(settings)) as api:
        for headers in ({}, {"X-Operator-Key": ""}, {"X-Operator-Key": "anything"}):
            assert error(await api.post("/v1/workspaces", headers=headers, json=body))[:2] == (
                404,
                "not_found",
            )
            assert error(await api.get("/v1/workspaces/W/users/U", headers=headers))[:2] == (404, "not_found")


async def test_wrong_operator_keys_are_limited_per_address(env: dict[str, str]) -> None:
    settings = settings_from(Settings, env, rate_auth_failures_per_minute=3)
    body = {"name": "Initech", "admin": {"name": "Bill", "email": "bill@initech.example"}}
    async with running(create_app(settings)) as api:
        for _ in range(3):
            guess = await api.post("/v1/workspaces", headers={"X-Operator-Key": "guess"}, json=body)
            assert error(guess) == BAD_KEY
        limited = await api.post("/v1/workspaces", headers={"X-Operator-Key": "guess"}, json=body)
        assert (limited.status_code, limited.json()["error"]["code"]) == (429, "rate_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        good = await api.post("/v1/workspaces", headers={"X-Operator-Key": settings.operator_key}, json=body)
        assert good.status_code == 201, good.text
