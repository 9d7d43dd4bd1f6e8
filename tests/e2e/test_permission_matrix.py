"""Every endpoint of every service against every kind of caller, with the answer api.md and
product.md allow. The table is checked against the services' own OpenAPI documents: a route added
without an entry here fails the test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from livechat_dev.testing import eventually
from livechat_shared.ids import new_id

from .conftest import auth, known_everywhere, new_user

ROLES = ("admin", "supervisor", "agent", "granted", "deactivated", "foreign_admin")
SERVICES = ("ingest", "inbox", "assignment", "export", "aiagent")


@dataclass
class World:
    """One workspace with a user of each kind, a second workspace's admin, and chats to act on."""

    ids: dict[str, str]
    tokens: dict[str, str]
    chats: dict[str, str] = field(default_factory=dict)
    """A fresh unassigned team chat per role, for the calls that change a chat."""
    shared_chat: str = ""


Request = tuple[str, str, dict[str, Any] | None]  # method, path (with ids), JSON body
Build = Callable[[World, str], Request]


def same(status: int, **overrides: int) -> dict[str, int]:
    """``status`` for every role but the deactivated user (always 401) and the overrides."""
    return {role: status for role in ROLES} | {"deactivated": 401} | overrides


ADMIN_ONLY_CREATE = same(403, admin=201, foreign_admin=201)
ADMIN_ONLY_CHANGE = same(403, admin=200, foreign_admin=404)
EVERYONE = same(200)
MINE = same(200, foreign_admin=404)

# (service, METHOD, path as the OpenAPI document names it) -> how to call it, and who gets what.
MATRIX: dict[tuple[str, str, str], tuple[Build, dict[str, int]]] = {
    # --- ingest: channel apps are the admin's ---------------------------------------------------------
    ("ingest", "POST", "/v1/apps"): (
        lambda w, r: (
            "POST",
            "/v1/apps",
            {"teamspace_id": w.ids["teamspace"], "channel": "webchat", "name": f"W {r}"},
        ),
        ADMIN_ONLY_CREATE,
    ),
    ("ingest", "GET", "/v1/apps"): (
        lambda w, r: ("GET", "/v1/apps", None),
        same(403, admin=200, foreign_admin=200),
    ),
    ("ingest", "GET", "/v1/apps/{app_id}"): (
        lambda w, r: ("GET", f"/v1/apps/{w.ids['app']}", None),
        same(404, admin=200),
    ),
    # --- inbox: chats in the caller's scope --------------------------------------------------------
    ("inbox", "GET", "/v1/chats"): (lambda w, r: ("GET", "/v1/chats", None), EVERYONE),
    ("inbox", "GET", "/v1/chats/{chat_id}"): (lambda w, r: ("GET", f"/v1/chats/{w.shared_chat}", None), MINE),
    ("inbox", "GET", "/v1/chats/{chat_id}/messages"): (
        lambda w, r: ("GET", f"/v1/chats/{w.shared_chat}/messages", None),
        MINE,
    ),
    ("inbox", "POST", "/v1/chats/{chat_id}/messages"): (
        lambda w, r: (
            "POST",
            f"/v1/chats/{w.chats[r]}/messages",
            {"text": "Hello", "client_message_id": new_id()},
        ),
        same(201, foreign_admin=404),
    ),
    ("inbox", "GET", "/v1/sync"): (
        lambda w, r: ("GET", "/v1/sync?since=2020-01-01T00:00:00Z", None),
        EVERYONE,
    ),
    # --- assignment: the directory is the admin's; everyone of the workspace may read it ----------
    ("assignment", "GET", "/v1/workspace"): (lambda w, r: ("GET", "/v1/workspace", None), EVERYONE),
    ("assignment", "PUT", "/v1/workspace"): (
        lambda w, r: ("PUT", "/v1/workspace", {"name": f"Renamed by {r}"}),
        same(403, admin=200, foreign_admin=200),
    ),
    ("assignment", "GET", "/v1/teamspaces"): (lambda w, r: ("GET", "/v1/teamspaces", None), EVERYONE),
    ("assignment", "POST", "/v1/teamspaces"): (
        lambda w, r: ("POST", "/v1/teamspaces", {"name": f"TS {r}"}),
        ADMIN_ONLY_CREATE,
    ),
    ("assignment", "GET", "/v1/teams"): (lambda w, r: ("GET", "/v1/teams", None), EVERYONE),
    ("assignment", "POST", "/v1/teams"): (
        lambda w, r: ("POST", "/v1/teams", {"teamspace_id": w.ids["teamspace"], "name": f"Team {r}"}),
        same(403, admin=201, foreign_admin=422),  # another workspace's teamspace is unknown to them
    ),
    ("assignment", "GET", "/v1/teams/{team_id}"): (
        lambda w, r: ("GET", f"/v1/teams/{w.ids['team']}", None),
        MINE,
    ),
    ("assignment", "PATCH", "/v1/teams/{team_id}"): (
        lambda w, r: ("PATCH", f"/v1/teams/{w.ids['spare_team']}", {"name": f"Team of {r}"}),
        ADMIN_ONLY_CHANGE,
    ),
    ("assignment", "GET", "/v1/users"): (lambda w, r: ("GET", "/v1/users", None), EVERYONE),
    ("assignment", "POST", "/v1/users"): (
        lambda w, r: ("POST", "/v1/users", {"name": f"New {r}", "email": f"{new_id().lower()}@example.com"}),
        ADMIN_ONLY_CREATE,
    ),
    ("assignment", "GET", "/v1/users/{user_id}"): (
        lambda w, r: ("GET", f"/v1/users/{w.ids['agent']}", None),
        MINE,
    ),
    ("assignment", "PATCH", "/v1/users/{user_id}"): (
        lambda w, r: ("PATCH", f"/v1/users/{w.ids['spare_user']}", {"languages": ["de"]}),
        ADMIN_ONLY_CHANGE,
    ),
    # Operator calls take the operator key, never a user's token.
    ("assignment", "POST", "/v1/workspaces"): (
        lambda w, r: (
            "POST",
            "/v1/workspaces",
            {"name": "X", "admin": {"name": "A", "email": "a@example.com"}},
        ),
        same(401),
    ),
    ("assignment", "GET", "/v1/workspaces/{workspace_id}/users/{user_id}"): (
        lambda w, r: ("GET", f"/v1/workspaces/{w.ids['workspace']}/users/{w.ids['agent']}", None),
        same(401),
    ),
}

# Operations without a bearer token by design: health and documents, and the person's Webchat API
# (its own session tokens, tested in the ingest service's tests).
PUBLIC: set[tuple[str, str, str]] = {
    *(
        (svc, "GET", path)
        for svc in SERVICES
        for path in ("/healthz", "/readyz", "/metrics", "/asyncapi.json")
    ),
    ("ingest", "POST", "/v1/webchat/{app_id}/sessions"),
    ("ingest", "POST", "/v1/webchat/{app_id}/messages"),
    ("ingest", "GET", "/webchat/{app_id}"),
    ("ingest", "GET", "/webchat/static/{name}"),
}


async def test_every_operation_of_every_service_has_an_entry(stack, http: httpx.AsyncClient) -> None:
    operations = set()
    for service in SERVICES:
        document = (await http.get(f"{stack.url(service)}/openapi.json")).json()
        operations |= {
            (service, verb.upper(), path) for path, verbs in document["paths"].items() for verb in verbs
        }
    assert operations - set(MATRIX) - PUBLIC == set(), "add the new operations to the permission matrix"
    assert set(MATRIX) - operations == set(), "the matrix names operations that no longer exist"


async def _chat(http: httpx.AsyncClient, stack, app_id: str, admin: str) -> str:
    """A new unassigned chat of the workspace's team (a new person writes on its Webchat app)."""
    ingest = stack.url("ingest")
    name = f"Person {new_id()}"
    session = (await http.post(f"{ingest}/v1/webchat/{app_id}/sessions", json={"name": name})).json()
    sent = await http.post(
        f"{ingest}/v1/webchat/{app_id}/messages",
        headers=auth(session["session_token"]),
        json={"text": "hi", "client_message_id": "m-1"},
    )
    assert sent.status_code == 202

    async def listed() -> str | None:
        params = {"page_size": 200}
        chats = (await http.get(f"{stack.url('inbox')}/v1/chats", headers=auth(admin), params=params)).json()
        return next((c["id"] for c in chats["items"] if c["person"]["name"] == name), None)

    chat_id: str = await eventually(listed, within=30)
    return chat_id


@pytest.fixture(scope="module")
async def world(stack, workspace) -> World:
    admin = workspace["token"]
    assignment = stack.url("assignment")
    async with httpx.AsyncClient(timeout=30) as http:

        async def user(name: str, role: str, **fields: Any) -> tuple[str, str]:
            return await new_user(http, stack, workspace, role, wait=False, name=name, **fields)

        team = [workspace["team_id"]]
        ids = {
            "workspace": workspace["workspace_id"],
            "teamspace": workspace["teamspace_id"],
            "team": team[0],
        }
        ids["app"] = workspace["app_id"]
        tokens = {"admin": admin}
        ids["supervisor"], tokens["supervisor"] = await user("Sue", "supervisor", team_ids=team)
        ids["agent"], tokens["agent"] = await user("Abe", "agent", team_ids=team)
        ids["granted"], tokens["granted"] = await user("Gil", "agent", team_ids=team, grants=["export"])
        ids["deactivated"], tokens["deactivated"] = await user("Dee", "agent", team_ids=team)
        ids["spare_user"], _ = await user("Spare", "agent")
        spare = await http.post(
            f"{assignment}/v1/teams",
            headers=auth(admin),
            json={"teamspace_id": ids["teamspace"], "name": "Spare"},
        )
        ids["spare_team"] = spare.json()["id"]
        other = await asyncio.to_thread(stack.cli, "bootstrap", "--workspace", "Elsewhere")
        tokens["foreign_admin"] = other["token"]
        for role in ("supervisor", "agent", "granted", "deactivated", "foreign_admin"):
            await known_everywhere(http, stack, tokens[role])
        off = await http.patch(
            f"{assignment}/v1/users/{ids['deactivated']}", headers=auth(admin), json={"active": False}
        )
        assert off.status_code == 200, off.text
        await known_everywhere(http, stack, tokens["deactivated"], refused=True)

        world = World(ids=ids, tokens=tokens, shared_chat=await _chat(http, stack, ids["app"], admin))
        for role in ROLES:
            world.chats[role] = await _chat(http, stack, ids["app"], admin)
        return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]} {op[2]}")
async def test_each_caller_gets_exactly_what_they_may(
    stack, world: World, http: httpx.AsyncClient, operation: tuple[str, str, str], role: str
) -> None:
    build, expected = MATRIX[operation]
    method, path, body = build(world, role)
    response = await http.request(
        method, f"{stack.url(operation[0])}{path}", headers=auth(world.tokens[role]), json=body
    )
    assert response.status_code == expected[role], (
        f"{role}: {method} {path} -> {response.status_code} {response.text}"
    )
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}
