"""A teamspace's settings over HTTP (real broker and database): defaults, a change by who may, its
announcement on the bus, and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import aio_pika
import httpx
from assignment.settings import Settings
from livechat_dev.testing import eventually
from livechat_shared.contracts import Envelope, TeamspaceSettingsChangedV1
from livechat_shared.ids import new_id

from .conftest import Org


async def teamspace(api: httpx.AsyncClient, org: Org) -> str:
    made = await api.post("/v1/teamspaces", headers=org.auth(org.admin), json={"name": f"Sales {new_id()}"})
    assert made.status_code == 201, made.text
    teamspace_id: str = made.json()["id"]
    return teamspace_id


def path(teamspace_id: str) -> str:
    return f"/v1/teamspaces/{teamspace_id}/assignment"


CHANGED = {
    "method": "round_robin",
    "max_auto_chats": 3,
    "availability_check": False,
    "away_grace_seconds": 120,
    "overdue_after_seconds": 300,
    "min_tags_to_resolve": 1,
}


async def test_defaults_then_a_change_announced_to_the_copies(
    api: httpx.AsyncClient, acme: Org, settings: Settings
) -> None:
    ts = await teamspace(api, acme)
    agent = await acme.add_user("agent")
    defaults = await api.get(path(ts), headers=acme.auth(agent))  # anyone of the workspace may read
    assert defaults.status_code == 200
    assert defaults.json() | {"updated_at": None} == {
        "teamspace_id": ts,
        "version": 0,
        "updated_at": None,
        "method": "balanced",
        "max_auto_chats": 5,
        "availability_check": True,
        "away_grace_seconds": 300,
        "overdue_after_seconds": 0,
        "min_tags_to_resolve": 0,
    }

    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(settings.exchange)
        probe = await channel.declare_queue(f"{settings.queue_prefix}probe-{new_id()}", exclusive=True)
        await probe.bind(exchange, routing_key=TeamspaceSettingsChangedV1.routing_key())
        supervisor = await acme.add_user("supervisor")
        changed = await api.put(path(ts), headers=acme.auth(supervisor), json=CHANGED)
        assert changed.status_code == 200, changed.text
        assert {k: changed.json()[k] for k in CHANGED} == CHANGED and changed.json()["version"] == 1
        again = await api.put(path(ts), headers=acme.auth(acme.admin), json={"min_tags_to_resolve": 2})
        assert again.json()["version"] == 2 and again.json()["method"] == "balanced"  # a whole replacement
        got = [await eventually(lambda: probe.get(no_ack=True, fail=False)) for _ in range(2)]
    events = [Envelope.model_validate_json(m.body) for m in got]
    assert {e.workspace_id for e in events} == {acme.id}
    payloads = [e.open(TeamspaceSettingsChangedV1) for e in events]
    assert [(p.teamspace_id, p.version, p.settings.min_tags_to_resolve) for p in payloads] == [
        (ts, 1, 1),
        (ts, 2, 2),
    ]
    assert (await api.get(path(ts), headers=acme.auth(agent))).json()["min_tags_to_resolve"] == 2


async def test_refusals_change_nothing(api: httpx.AsyncClient, acme: Org, new_org: Any) -> None:
    ts = await teamspace(api, acme)
    agent = await acme.add_user("agent")
    other = await new_org("Initech")
    cases = [
        (acme.auth(agent), path(ts), CHANGED, 403, "forbidden"),
        (other.auth(other.admin), path(ts), CHANGED, 404, "not_found"),
        (acme.auth(acme.admin), path("no-such-teamspace"), CHANGED, 404, "not_found"),
        (acme.auth(acme.admin), path(ts), {"method": "fastest"}, 422, "validation_failed"),
        (acme.auth(acme.admin), path(ts), {"max_auto_chats": -1}, 422, "validation_failed"),
        (acme.auth(acme.admin), path(ts), {"min_tags_to_resolve": "2"}, 422, "validation_failed"),
        (acme.auth(acme.admin), path(ts), {"colour": "red"}, 422, "validation_failed"),
    ]
    for headers, where, body, status, code in cases:
        answer = await api.put(where, headers=headers, json=body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), (body, answer.text)
    assert (await api.get(path(ts), headers=acme.auth(acme.admin))).json()["version"] == 0
    assert (await api.get(path(ts), headers=other.auth(other.admin))).status_code == 404
