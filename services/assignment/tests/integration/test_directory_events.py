"""The directory announces every user on the bus (``assignment.user.changed.v1``) through the
outbox, with growing versions, and again at start-up; a copy fed by those events keeps up."""

from __future__ import annotations

from typing import Any

import httpx
from assignment.app import create_app
from assignment.settings import Settings
from fastapi import FastAPI
from livechat_dev.testing import eventually, running
from livechat_shared.auth import issue_token
from livechat_shared.contracts import DirectoryUser
from livechat_shared.directory import DirectoryCopy
from livechat_shared.ids import utcnow


def snapshot(user: dict[str, Any]) -> DirectoryUser:
    """What the other services should hold of ``user`` (a full ``UserOut``)."""
    return DirectoryUser.model_validate(user)


async def test_every_user_change_is_announced_with_a_growing_version(
    api: httpx.AsyncClient, settings: Settings, probe_bus: Any, new_org: Any
) -> None:
    async with probe_bus() as probe:
        acme = await new_org("Acme")
        admin = acme.auth(acme.admin)
        teamspace = (await api.post("/v1/teamspaces", headers=admin, json={"name": "Europe"})).json()
        billing = {"teamspace_id": teamspace["id"], "name": "Billing"}
        team = (await api.post("/v1/teams", headers=admin, json=billing)).json()
        jonas = await acme.add_user("agent")
        url = f"/v1/users/{jonas['id']}"
        changes = [{"role": "supervisor"}, {"team_ids": [team["id"]]}, {"grants": ["ban"]}, {"active": False}]
        answers = [(await api.patch(url, headers=admin, json=change)).json() for change in changes]

        assert await probe.take(2) == [snapshot(acme.admin), snapshot(jonas)]
        announced = await probe.take(len(changes))
        assert announced == [snapshot(a) for a in answers]
        assert [u.version for u in announced] == [2, 3, 4, 5]
        assert (announced[-1].role, announced[-1].team_ids, announced[-1].grants, announced[-1].active) == (
            "supervisor",
            [team["id"]],
            ["ban"],
            False,
        )

        # refused changes and changes that change nothing announce nothing
        agent = acme.auth(await acme.add_user("agent"))
        assert (await probe.next()).version == 1  # that agent
        assert (await api.patch(url, headers=agent, json={"active": True})).status_code == 403
        assert (await api.patch(url, headers=admin, json={"active": False})).json()["version"] == 5
        last_admin = await api.patch(f"/v1/users/{acme.admin['id']}", headers=admin, json={"role": "agent"})
        assert last_admin.status_code == 409
        marker = (await api.patch(url, headers=admin, json={"name": "Marker"})).json()
        assert await probe.next() == snapshot(marker)
        assert marker["version"] == 6
        assert await probe.empty()


async def test_a_copy_fed_by_the_events_follows_the_directory(
    app: FastAPI, api: httpx.AsyncClient, acme: Any, probe_bus: Any
) -> None:
    """What another service does with the events (``DirectoryCopy.apply``): it ends at the newest
    version whatever the order, so a republished older snapshot changes nothing."""
    copy = DirectoryCopy(app.state.runtime.mongo)
    await eventually(lambda: _drained(app))  # the admin's event is out before the probe listens
    async with probe_bus() as probe:
        jonas = await acme.add_user("agent")
        await api.patch(f"/v1/users/{jonas['id']}", headers=acme.auth(acme.admin), json={"active": False})
        first, second = await probe.take(2)
    assert await copy.apply(second) and not await copy.apply(first)
    assert (await copy.user(jonas["id"])) == second and second.active is False


async def test_every_user_is_announced_again_at_start_up(settings: Settings, probe_bus: Any) -> None:
    first = create_app(settings)
    async with running(first) as api:
        made = await api.post(
            "/v1/workspaces",
            headers={"X-Operator-Key": settings.operator_key},
            json={"name": "Acme", "admin": {"name": "Ada", "email": "ada@acme.example"}},
        )
        workspace, ada = made.json()["workspace"], made.json()["admin"]
        token = issue_token(settings, user_id=ada["id"], workspace_id=workspace["id"])
        admin = {"Authorization": f"Bearer {token}"}
        bodies = [{"name": f"U{i}", "email": f"u{i}@acme.example"} for i in range(3)]
        users = [(await api.post("/v1/users", headers=admin, json=body)).json() for body in bodies]
        changed = (
            await api.patch(f"/v1/users/{users[0]['id']}", headers=admin, json={"active": False})
        ).json()
        await eventually(lambda: _drained(first))  # the first run's events are all out
    expected = sorted([snapshot(ada), snapshot(changed), *map(snapshot, users[1:])], key=lambda u: u.id)

    async with probe_bus() as probe:  # bound while no assignment runs
        async with running(create_app(settings)):
            announced = await probe.take(len(expected))
        assert sorted(announced, key=lambda u: u.id) == expected
        assert {u.id: u.version for u in announced}[changed["id"]] == 2
        assert await probe.empty()


async def _drained(app: FastAPI) -> bool:
    pending: int = await app.state.outbox.pending()
    return pending == 0


async def test_a_user_stored_before_versions_is_at_version_1(
    app: FastAPI, api: httpx.AsyncClient, acme: Any, probe_bus: Any
) -> None:
    """Users stored without ``grants``, ``active`` or ``version`` read as active, version 1, and
    their first change makes version 2."""
    legacy = {
        "_id": "u-legacy",
        "workspace_id": acme.id,
        "name": "Old",
        "email": "old@acme.example",
        "role": "agent",
        "team_ids": [],
        "languages": [],
        "max_chats": None,
        "created_at": utcnow(),
    }
    await app.state.runtime.mongo.db["users"].insert_one(legacy)
    read = (await api.get("/v1/users/u-legacy", headers=acme.auth(acme.admin))).json()
    assert (read["grants"], read["active"], read["version"]) == ([], True, 1)
    assert (await api.get("/v1/users", headers=acme.auth({"id": "u-legacy"}))).status_code == 200
    await eventually(lambda: _drained(app))
    async with probe_bus() as probe:
        changed = await api.patch("/v1/users/u-legacy", headers=acme.auth(acme.admin), json={"active": False})
        assert (changed.status_code, changed.json()["version"]) == (200, 2)
        assert await probe.next() == snapshot(changed.json())
