"""Routing over the real broker and database: the inbox's placements in, decisions out — a waiting
chat goes to an online agent of its target, the away requeue, voluntary claims racing, a handoff to a
deleted team falling back visibly, the decision log over HTTP, and bad settings refused."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
from assignment.settings import Settings
from livechat_dev.testing import eventually, probe_queue, publish_envelope
from livechat_shared.contracts import (
    ChatAssignedV1,
    ChatDeletedV1,
    ChatPlacementChangedV1,
    ChatUnassignedV1,
    Envelope,
    HandoffTarget,
)
from livechat_shared.ids import new_id

from .conftest import Org


class Bus:
    """Publishes placements as the inbox does, and reads routing's decisions from a probe queue."""

    def __init__(
        self, exchange: aio_pika.abc.AbstractExchange, probe: aio_pika.abc.AbstractQueue, settings: Settings
    ) -> None:
        self.exchange, self.probe, self.settings = exchange, probe, settings

    async def place(self, workspace_id: str, chat_id: str, event: ChatPlacementChangedV1) -> None:
        envelope = Envelope.wrap(event, workspace_id=workspace_id, chat_id=chat_id)
        await publish_envelope(self.exchange, envelope, self.settings)

    async def decision(self, within: float = 20.0) -> Envelope:
        message = await eventually(lambda: self.probe.get(no_ack=True, fail=False), within)
        return Envelope.model_validate_json(message.body)

    async def quiet(self) -> bool:
        return await self.probe.get(no_ack=True, fail=False) is None


@contextlib.asynccontextmanager
async def bus(settings: Settings) -> AsyncIterator[Bus]:
    async with probe_queue(settings, "assignment.chat.#") as queue:
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            exchange = await (await connection.channel()).get_exchange(settings.exchange)
            yield Bus(exchange, queue, settings)


async def team_of_agents(
    api: httpx.AsyncClient, org: Org, count: int
) -> tuple[str, str, list[dict[str, Any]]]:
    admin = org.auth(org.admin)
    teamspace = (await api.post("/v1/teamspaces", headers=admin, json={"name": f"TS {new_id()}"})).json()
    team = (
        await api.post("/v1/teams", headers=admin, json={"teamspace_id": teamspace["id"], "name": "Billing"})
    ).json()
    agents = [await org.add_user("agent", team_ids=[team["id"]]) for _ in range(count)]
    return teamspace["id"], team["id"], agents


async def presence(api: httpx.AsyncClient, org: Org, user: dict[str, Any], status: str) -> None:
    answer = await api.put("/v1/me/presence", headers=org.auth(user), json={"status": status})
    assert answer.status_code == 200, answer.text


def waiting(teamspace_id: str, version: int, **target: Any) -> ChatPlacementChangedV1:
    return ChatPlacementChangedV1(
        chat_version=version,
        teamspace_id=teamspace_id,
        placement="waiting",
        target=HandoffTarget(**target),
        summary="Asked for a refund",
    )


async def test_a_waiting_chat_goes_to_the_online_agent_and_comes_back_when_they_are_away(
    api: httpx.AsyncClient, acme: Org, settings: Settings
) -> None:
    teamspace_id, team_id, (ann, bob) = await team_of_agents(api, acme, 2)
    admin = acme.auth(acme.admin)
    put = await api.put(
        f"/v1/teamspaces/{teamspace_id}/assignment", headers=admin, json={"away_grace_seconds": 1}
    )
    assert put.status_code == 200, put.text
    await presence(api, acme, ann, "online")
    chat_id = new_id()
    async with bus(settings) as b:
        await b.place(acme.id, chat_id, waiting(teamspace_id, 4, team_ids=[team_id]))
        assigned = await b.decision()
        event = assigned.open(ChatAssignedV1)
        assert (assigned.chat_id, event.assignee_id, event.chat_version) == (chat_id, ann["id"], 4)
        assert "balanced" in event.reason
        # The inbox applies it and says so; nothing is announced again.
        held = ChatPlacementChangedV1(
            chat_version=5, teamspace_id=teamspace_id, placement="held", assignee_id=ann["id"]
        )
        await b.place(acme.id, chat_id, held)

        log = await api.get(f"/v1/chats/{chat_id}/assignment-log", headers=admin)
        assert log.status_code == 200, log.text
        entry = log.json()["items"][0]["decision"]
        assert entry["user_id"] == ann["id"] and {c["user_id"] for c in entry["considered"]} == {
            ann["id"],
            bob["id"],
        }

        await presence(api, acme, bob, "online")
        await presence(api, acme, ann, "away")  # past the grace period (1 s): back to the queue
        unassigned = await b.decision(within=30)
        assert unassigned.open(ChatUnassignedV1).from_assignee_id == ann["id"]
        await b.place(acme.id, chat_id, waiting(teamspace_id, 6, team_ids=[team_id]))  # the inbox requeued it
        again = await b.decision()
        assert again.open(ChatAssignedV1).assignee_id == bob["id"]


async def test_voluntary_claims_race_and_the_slower_gets_409(
    api: httpx.AsyncClient, acme: Org, settings: Settings
) -> None:
    teamspace_id, _, (ann, bob) = await team_of_agents(api, acme, 2)
    admin = acme.auth(acme.admin)
    await api.put(f"/v1/teamspaces/{teamspace_id}/assignment", headers=admin, json={"method": "voluntary"})
    await presence(api, acme, ann, "online")
    chat_id = new_id()
    async with bus(settings) as b:
        await b.place(acme.id, chat_id, waiting(teamspace_id, 1))

        async def queued() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await api.get("/v1/queue", headers=acme.auth(bob))).json()["items"]
            return items or None

        [listed] = await eventually(queued)
        assert (listed["chat_id"], listed["summary"]) == (chat_id, "Asked for a refund")
        claims = await asyncio.gather(
            *(api.post(f"/v1/queue/{chat_id}/claim", headers=acme.auth(u)) for u in (ann, bob))
        )
        assert sorted(c.status_code for c in claims) == [200, 409]
        loser = next(c for c in claims if c.status_code == 409)
        assert loser.json()["error"]["code"] == "already_claimed"
        winner = next(c for c in claims if c.status_code == 200).json()["assignee_id"]
        assigned = await b.decision()
        assert assigned.open(ChatAssignedV1).assignee_id == winner
        assert (await api.get("/v1/queue", headers=acme.auth(bob))).json()["total"] == 0


async def test_a_handoff_to_a_deleted_team_falls_back_to_the_teamspace_and_says_so(
    api: httpx.AsyncClient, acme: Org, settings: Settings
) -> None:
    teamspace_id, _, (ann,) = await team_of_agents(api, acme, 1)
    await presence(api, acme, ann, "online")
    chat_id = new_id()
    async with bus(settings) as b:
        await b.place(acme.id, chat_id, waiting(teamspace_id, 1, team_ids=["team-deleted"]))
        assert (await b.decision()).open(ChatAssignedV1).assignee_id == ann["id"]
    log = (await api.get(f"/v1/chats/{chat_id}/assignment-log", headers=acme.auth(acme.admin))).json()
    reasons = [item["decision"]["reason"] for item in log["items"]]
    assert any("team-deleted" in r and "every agent of the teamspace" in r for r in reasons)


async def test_bad_settings_are_refused_and_unknown_chats_are_404(api: httpx.AsyncClient, acme: Org) -> None:
    admin = acme.auth(acme.admin)
    teamspace = (await api.post("/v1/teamspaces", headers=admin, json={"name": "Bad"})).json()
    path = f"/v1/teamspaces/{teamspace['id']}/assignment"
    for body in ({"method": "fastest"}, {"max_auto_chats": -1}, {"away_grace_seconds": -5}):
        answer = await api.put(path, headers=admin, json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["code"] == "validation_failed"
    assert (await api.get(path, headers=admin)).json()["version"] == 0  # nothing changed
    for method, url in (("POST", "/v1/queue/nope/claim"), ("GET", "/v1/chats/nope/assignment-log")):
        answer = await api.request(method, url, headers=admin)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


async def test_a_deleted_chat_frees_its_agent_for_the_waiting_chat_and_its_log_is_gone(
    api: httpx.AsyncClient, acme: Org, settings: Settings
) -> None:
    teamspace_id, team_id, (ann,) = await team_of_agents(api, acme, 1)
    admin = acme.auth(acme.admin)
    put = await api.put(
        f"/v1/teamspaces/{teamspace_id}/assignment", headers=admin, json={"max_auto_chats": 1}
    )
    assert put.status_code == 200, put.text
    await presence(api, acme, ann, "online")
    first, second = new_id(), new_id()
    async with bus(settings) as b:
        await b.place(acme.id, first, waiting(teamspace_id, 2, team_ids=[team_id]))
        assert (await b.decision()).open(ChatAssignedV1).assignee_id == ann["id"]
        await b.place(acme.id, second, waiting(teamspace_id, 2, team_ids=[team_id]))  # ann is full: waits

        deleted = ChatDeletedV1(
            chat_version=3, teamspace_id=teamspace_id, assignee_id=ann["id"], team_ids=[team_id], by="u-admin"
        )
        await publish_envelope(
            b.exchange, Envelope.wrap(deleted, workspace_id=acme.id, chat_id=first), settings
        )

        given = await b.decision()
        assert (given.chat_id, given.open(ChatAssignedV1).assignee_id) == (second, ann["id"])
    gone = await api.get(f"/v1/chats/{first}/assignment-log", headers=admin)
    assert gone.status_code == 404
