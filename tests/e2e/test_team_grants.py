"""A team-level grant end to end: the admin gives a team a permission on the assignment service and
every member holds it on their next request to the inbox; taken back, it is gone again."""

from __future__ import annotations

import httpx
from livechat_dev.testing import eventually

from .conftest import auth, new_user


async def test_a_team_grant_takes_effect_on_the_members_next_request(
    stack, workspace, http: httpx.AsyncClient
) -> None:
    admin = auth(workspace["token"])
    assignment, inbox = stack.url("assignment"), stack.url("inbox")
    made = await http.post(
        f"{assignment}/v1/teams",
        headers=admin,
        json={"teamspace_id": workspace["teamspace_id"], "name": "Reporting"},
    )
    assert made.status_code == 201, made.text
    team = made.json()["id"]
    _, token = await new_user(http, stack, workspace, "agent", team_ids=[team])

    async def interactions() -> int:
        return (await http.get(f"{inbox}/v1/interactions", headers=auth(token))).status_code

    assert await interactions() == 403  # an agent: no settings permission
    given = await http.patch(f"{assignment}/v1/teams/{team}", headers=admin, json={"grants": ["settings"]})
    assert given.status_code == 200 and given.json()["grants"] == ["settings"], given.text
    await eventually(lambda: _is(interactions, 200), within=30)
    me = await http.get(f"{assignment}/v1/me", headers=auth(token))  # what a console offers by
    assert me.status_code == 200 and "settings" in me.json()["permissions"], me.text
    taken = await http.patch(f"{assignment}/v1/teams/{team}", headers=admin, json={"grants": []})
    assert taken.status_code == 200
    await eventually(lambda: _is(interactions, 403), within=30)


async def _is(read, expected: int) -> bool:
    return bool(await read() == expected)
