"""Banning over HTTP against the real inbox (real broker and database): ban reasons and rules and
who may change them, banning by rule length, overriding, unbanning, expiry against an injected
clock, the audit trail, who may ban whom, refusals that store nothing, and the
``inbox.ban.changed.v1`` event on the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI
from inbox.app import create_app
from inbox.inbound.handlers import on_message_received
from inbox.settings import Settings
from livechat_dev.testing import directory_user, eventually, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import BanChangedV1, DirectoryUser, Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import new_id, utcnow

WS, ELSEWHERE = "ws-bans", "ws-bans-elsewhere"
TEAMSPACE = "ts-1"
USERS: dict[str, DirectoryUser] = {
    "admin": directory_user("u-admin", WS, "admin", name="Ada"),
    "supervisor": directory_user("u-sup", WS, "supervisor", team_ids=("t-1",), name="Sue"),
    "agent": directory_user("u-agent", WS, "agent", team_ids=("t-1",), name="Abe"),
    "banner": directory_user("u-banner", WS, "agent", team_ids=("t-1",), grants=["ban"], name="Bea"),
    "other team": directory_user("u-other", WS, "agent", team_ids=("t-2",), grants=["ban"], name="Oz"),
    "foreign": directory_user("u-foreign", ELSEWHERE, "admin", name="Fay"),
}
"""People write to team ``t-1`` of teamspace ``ts-1``; their chats are unassigned."""


@dataclass
class Clock:
    """The bans' clock: starts now, moves only when a test moves it."""

    at: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Inbox:
    app: FastAPI
    http: httpx.AsyncClient
    settings: Settings
    clock: Clock

    def auth(self, who: str) -> dict[str, str]:
        user = USERS[who]
        token = issue_token(self.settings, user_id=user.id, workspace_id=user.workspace_id)
        return {"Authorization": f"Bearer {token}"}

    async def call(self, who: str, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.auth(who), json=body, params=params)

    async def ok(self, who: str, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = await self.call(who, method, path, body, **params)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def person(self, name: str | None = None, teamspace_id: str = TEAMSPACE) -> str:
        """A new person of team ``t-1`` (their first message starts an unassigned chat); their id."""
        name = name or f"Person {new_id()}"
        event = MessageReceivedV1(
            app_id=f"app-{teamspace_id}",
            teamspace_id=teamspace_id,
            team_ids=["t-1"],
            channel="webchat",
            external_message_id=f"m-{new_id()}",
            person=PersonRef(external_id=f"visitor-{new_id()}", name=name),
            text="hello",
            received_at=utcnow(),
        )
        await on_message_received(self.app.state.inbound)(Envelope.wrap(event, workspace_id=WS))
        chats = await self.ok("admin", "GET", "/v1/chats", page_size=200)
        person_id: str = next(c["person"]["id"] for c in chats["items"] if c["person"]["name"] == name)
        return person_id

    async def reason(self, name: str = "Spam", teamspace_id: str = TEAMSPACE) -> str:
        made = await self.ok("admin", "POST", "/v1/ban-reasons", {"teamspace_id": teamspace_id, "name": name})
        reason_id: str = made["id"]
        return reason_id

    async def rule(self, offences: int, length_minutes: int | None) -> dict[str, Any]:
        body = {"teamspace_id": TEAMSPACE, "offences": offences, "length_minutes": length_minutes}
        made: dict[str, Any] = await self.ok("admin", "POST", "/v1/ban-rules", body)
        return made

    async def ban(self, person_id: str, reason_id: str, who: str = "admin", **length: Any) -> dict[str, Any]:
        made: dict[str, Any] = await self.ok(
            who, "POST", "/v1/bans", {"person_id": person_id, "reason_id": reason_id, **length}
        )
        return made

    async def bans(self, who: str = "admin", **params: Any) -> dict[str, Any]:
        page: dict[str, Any] = await self.ok(who, "GET", "/v1/bans", **params)
        return page

    async def audit(self, who: str = "admin", **params: Any) -> dict[str, Any]:
        page: dict[str, Any] = await self.ok(who, "GET", "/v1/bans/audit", **params)
        return page


@pytest.fixture
async def inbox(env: dict[str, str]) -> AsyncIterator[Inbox]:
    settings = settings_from(Settings, env)
    await seed_directory(settings, *USERS.values())
    app = create_app(settings)
    clock = Clock()
    app.state.bans.now = clock
    async with running(app) as http:
        yield Inbox(app, http, settings, clock)


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# --- reasons and rules ------------------------------------------------------------------------


async def test_ban_reasons_crud_and_who_may_change_them(inbox: Inbox) -> None:
    body = {"teamspace_id": TEAMSPACE, "name": "Spam"}
    made = await inbox.ok("admin", "POST", "/v1/ban-reasons", body)
    assert set(made) == {"id", "workspace_id", "teamspace_id", "name", "created_at", "updated_at"}
    assert (made["workspace_id"], made["teamspace_id"], made["name"]) == (WS, TEAMSPACE, "Spam")
    abuse = await inbox.ok("supervisor", "POST", "/v1/ban-reasons", {**body, "name": "Abuse"})

    for who in ("agent", "banner"):  # reading needs view; changing needs settings, not ban
        assert error(await inbox.call(who, "POST", "/v1/ban-reasons", {**body, "name": "X"})) == (
            403,
            "forbidden",
        )
        assert error(await inbox.call(who, "PATCH", f"/v1/ban-reasons/{made['id']}", {"name": "X"})) == (
            403,
            "forbidden",
        )
        assert error(await inbox.call(who, "DELETE", f"/v1/ban-reasons/{made['id']}")) == (403, "forbidden")
        listed = await inbox.ok(who, "GET", "/v1/ban-reasons", teamspace_id=TEAMSPACE)
        assert [r["name"] for r in listed["items"]] == ["Abuse", "Spam"]  # by name
        assert (listed["total"], listed["page"], listed["page_size"]) == (2, 1, 50)

    duplicate = await inbox.call("admin", "POST", "/v1/ban-reasons", {**body, "name": "  SPAM "})
    assert error(duplicate) == (409, "duplicate")
    elsewhere = await inbox.ok("admin", "POST", "/v1/ban-reasons", {"teamspace_id": "ts-2", "name": "Spam"})
    assert (await inbox.ok("admin", "GET", "/v1/ban-reasons", teamspace_id="ts-2"))["items"] == [elsewhere]

    renamed = await inbox.ok("admin", "PATCH", f"/v1/ban-reasons/{made['id']}", {"name": "Spam links"})
    assert (renamed["name"], renamed["created_at"]) == ("Spam links", made["created_at"])
    taken = await inbox.call("admin", "PATCH", f"/v1/ban-reasons/{made['id']}", {"name": "abuse"})
    assert error(taken) == (409, "duplicate")
    assert error(await inbox.call("admin", "PATCH", f"/v1/ban-reasons/{new_id()}", {"name": "X"})) == (
        404,
        "not_found",
    )

    # another workspace's reasons do not exist for its admin
    foreign = await inbox.ok("foreign", "GET", "/v1/ban-reasons")
    assert foreign["total"] == 0
    assert error(await inbox.call("foreign", "DELETE", f"/v1/ban-reasons/{made['id']}")) == (404, "not_found")

    assert (await inbox.call("admin", "DELETE", f"/v1/ban-reasons/{abuse['id']}")).status_code == 204
    assert error(await inbox.call("admin", "DELETE", f"/v1/ban-reasons/{abuse['id']}")) == (404, "not_found")
    listed = await inbox.ok("admin", "GET", "/v1/ban-reasons", teamspace_id=TEAMSPACE)
    assert listed["items"] == [renamed]


async def test_ban_rules_crud_and_who_may_change_them(inbox: Inbox) -> None:
    first = await inbox.rule(1, 60)
    assert set(first) == {
        "id",
        "workspace_id",
        "teamspace_id",
        "offences",
        "length_minutes",
        "created_at",
        "updated_at",
    }
    second = await inbox.rule(2, None)
    assert (second["offences"], second["length_minutes"]) == (2, None)
    assert error(await inbox.call("admin", "POST", "/v1/ban-rules", {**_rule(2), "length_minutes": 5})) == (
        409,
        "duplicate",
    )
    assert error(await inbox.call("agent", "POST", "/v1/ban-rules", _rule(3))) == (403, "forbidden")
    assert error(await inbox.call("banner", "DELETE", f"/v1/ban-rules/{first['id']}")) == (403, "forbidden")
    listed = await inbox.ok("agent", "GET", "/v1/ban-rules", teamspace_id=TEAMSPACE)
    assert [(r["offences"], r["length_minutes"]) for r in listed["items"]] == [(1, 60), (2, None)]

    longer = await inbox.ok("supervisor", "PATCH", f"/v1/ban-rules/{first['id']}", {"length_minutes": 120})
    assert (longer["offences"], longer["length_minutes"]) == (1, 120)
    forever = await inbox.ok("admin", "PATCH", f"/v1/ban-rules/{first['id']}", {"length_minutes": None})
    assert forever["length_minutes"] is None
    moved = await inbox.call("admin", "PATCH", f"/v1/ban-rules/{first['id']}", {"offences": 2})
    assert error(moved) == (409, "duplicate")
    for bad in ({"offences": None}, {"offences": 0}, {"length_minutes": -1}, {"colour": "red"}):
        assert error(await inbox.call("admin", "PATCH", f"/v1/ban-rules/{first['id']}", bad)) == (
            422,
            "validation_failed",
        ), bad

    assert (await inbox.call("admin", "DELETE", f"/v1/ban-rules/{second['id']}")).status_code == 204
    assert error(await inbox.call("admin", "DELETE", f"/v1/ban-rules/{second['id']}")) == (404, "not_found")
    assert [r["id"] for r in (await inbox.ok("admin", "GET", "/v1/ban-rules"))["items"]] == [first["id"]]


def _rule(offences: int) -> dict[str, Any]:
    return {"teamspace_id": TEAMSPACE, "offences": offences, "length_minutes": 60}


@pytest.mark.parametrize(
    "body",
    [
        {"offences": 0, "length_minutes": 60},
        {"offences": -1, "length_minutes": 60},
        {"offences": 1, "length_minutes": 0},
        {"offences": 1, "length_minutes": -30},
        {"offences": 1, "length_minutes": "60"},
        {"offences": 1, "length_minutes": 1.5},
        {"offences": True, "length_minutes": 60},
        {"offences": 1},  # the length must be said (null: permanent)
        {"offences": 1, "length_minutes": 60, "permanent": False},
        {"offences": 1, "length_minutes": 10**12},
    ],
)
async def test_bad_rules_are_refused_and_not_stored(inbox: Inbox, body: dict[str, Any]) -> None:
    refused = await inbox.call("admin", "POST", "/v1/ban-rules", {"teamspace_id": TEAMSPACE, **body})
    assert error(refused) == (422, "validation_failed")
    assert (await inbox.ok("admin", "GET", "/v1/ban-rules"))["total"] == 0


# --- banning ----------------------------------------------------------------------------------


async def test_a_ban_needs_a_reason_of_the_persons_teamspace(inbox: Inbox) -> None:
    person = await inbox.person()
    body = {"person_id": person, "reason_id": new_id()}
    assert error(await inbox.call("admin", "POST", "/v1/bans", body)) == (422, "no_ban_reasons")
    elsewhere = await inbox.reason(teamspace_id="ts-2")  # another teamspace's reasons do not count
    refused = await inbox.call("admin", "POST", "/v1/bans", {**body, "reason_id": elsewhere})
    assert error(refused) == (422, "no_ban_reasons")
    await inbox.reason()
    assert error(await inbox.call("admin", "POST", "/v1/bans", {**body, "reason_id": elsewhere})) == (
        422,
        "unknown_reason",
    )
    assert (await inbox.bans())["total"] == 0
    assert (await inbox.audit())["total"] == 0


async def test_length_by_rule_first_offence_an_hour_second_permanent_and_override(inbox: Inbox) -> None:
    await inbox.rule(1, 60)
    await inbox.rule(2, None)
    reason = await inbox.reason()
    person = await inbox.person()
    start = inbox.clock.at

    first = await inbox.ban(person, reason)
    assert (first["offence"], first["length_minutes"], first["active"]) == (1, 60, True)
    assert (first["reason_id"], first["reason"], first["banned_by"]) == (reason, "Spam", "u-admin")
    assert (first["teamspace_id"], first["app_id"], first["channel"]) == (TEAMSPACE, "app-ts-1", "webchat")
    assert at(first["until"]) - at(first["created_at"]) == timedelta(minutes=60)  # type: ignore[operator]
    assert abs(at(first["created_at"]) - start) < timedelta(milliseconds=1)  # type: ignore[operator]
    assert first["ended_at"] is None and first["ended_reason"] is None

    inbox.clock.advance(minutes=10)
    second = await inbox.ban(person, reason, who="supervisor")
    assert (second["offence"], second["length_minutes"], second["until"], second["active"]) == (
        2,
        None,
        None,
        True,
    )

    active = await inbox.bans(person_id=person, active="true")
    assert [b["id"] for b in active["items"]] == [second["id"]]
    [overridden] = (await inbox.bans(person_id=person, active="false"))["items"]
    assert overridden["id"] == first["id"]
    assert (overridden["active"], overridden["ended_reason"], overridden["ended_by"]) == (
        False,
        "overridden",
        "u-sup",
    )
    assert overridden["ended_at"] == second["created_at"]
    assert [b["id"] for b in (await inbox.bans(person_id=person))["items"]] == [second["id"], first["id"]]

    # the third offence takes the rule of the largest offence count not above it: permanent
    third = await inbox.ban(person, reason)
    assert (third["offence"], third["length_minutes"]) == (3, None)
    # a length given wins over the rules; null is permanent
    other = await inbox.person()
    assert (await inbox.ban(other, reason, length_minutes=5))["length_minutes"] == 5
    assert (await inbox.ban(other, reason, length_minutes=None))["until"] is None
    assert [b["person_id"] for b in (await inbox.bans(active="true"))["items"]] == [other, person]


async def test_without_rules_a_ban_is_permanent(inbox: Inbox) -> None:
    reason = await inbox.reason()
    banned = await inbox.ban(await inbox.person(), reason)
    assert (banned["offence"], banned["length_minutes"], banned["until"], banned["active"]) == (
        1,
        None,
        None,
        True,
    )


async def test_bans_expire_on_their_own(inbox: Inbox) -> None:
    await inbox.rule(1, 60)
    reason = await inbox.reason()
    person = await inbox.person()
    ban = await inbox.ban(person, reason)

    inbox.clock.advance(minutes=59, seconds=59)
    assert [b["active"] for b in (await inbox.bans(person_id=person))["items"]] == [True]
    inbox.clock.advance(seconds=1)  # until is the first moment it is over
    [expired] = (await inbox.bans(person_id=person))["items"]
    assert (expired["id"], expired["active"], expired["ended_reason"]) == (ban["id"], False, None)
    assert (await inbox.bans(active="true"))["total"] == 0
    assert (await inbox.bans(active="false"))["total"] == 1
    assert error(await inbox.call("admin", "DELETE", f"/v1/bans/{ban['id']}")) == (409, "ban_not_active")

    # a new ban after the old one expired overrides nothing, and still counts it as an offence
    again = await inbox.ban(person, reason)
    assert (again["offence"], again["length_minutes"]) == (2, 60)
    old = next(b for b in (await inbox.bans(person_id=person))["items"] if b["id"] == ban["id"])
    assert (old["ended_reason"], old["ended_at"]) == (None, None)
    assert [e["action"] for e in (await inbox.audit())["items"]] == ["ban", "ban"]


async def test_unban(inbox: Inbox) -> None:
    reason = await inbox.reason()
    person = await inbox.person()
    ban = await inbox.ban(person, reason, length_minutes=30)
    inbox.clock.advance(minutes=5)

    assert (await inbox.call("banner", "DELETE", f"/v1/bans/{ban['id']}")).status_code == 204
    [lifted] = (await inbox.bans(person_id=person))["items"]
    assert (lifted["active"], lifted["ended_reason"], lifted["ended_by"]) == (False, "unbanned", "u-banner")
    assert at(lifted["ended_at"]) == at(ban["created_at"]) + timedelta(minutes=5)  # type: ignore[operator]
    assert lifted["until"] == ban["until"]
    assert error(await inbox.call("admin", "DELETE", f"/v1/bans/{ban['id']}")) == (409, "ban_not_active")
    assert error(await inbox.call("admin", "DELETE", f"/v1/bans/{new_id()}")) == (404, "not_found")
    # a new ban after an unban overrides nothing
    again = await inbox.ban(person, reason)
    assert again["offence"] == 2
    assert [e["action"] for e in (await inbox.audit())["items"]] == ["ban", "unban", "ban"]


async def test_the_audit_trail(inbox: Inbox) -> None:
    reason = await inbox.reason("Abuse")
    person = await inbox.person()
    first = await inbox.ban(person, reason, who="banner", length_minutes=15)
    inbox.clock.advance(minutes=1)
    second = await inbox.ban(person, reason, who="supervisor", length_minutes=None)
    inbox.clock.advance(minutes=1)
    assert (await inbox.call("admin", "DELETE", f"/v1/bans/{second['id']}")).status_code == 204
    other = await inbox.ban(await inbox.person(), reason)

    trail = await inbox.audit(person_id=person)
    entries = trail["items"]
    assert trail["total"] == 4
    assert [(e["action"], e["ban_id"], e["by"]) for e in entries] == [  # newest first
        ("unban", second["id"], "u-admin"),
        ("ban", second["id"], "u-sup"),
        ("override", first["id"], "u-sup"),
        ("ban", first["id"], "u-banner"),
    ]
    assert {e["person_id"] for e in entries} == {person}
    assert {(e["reason_id"], e["reason"]) for e in entries} == {(reason, "Abuse")}
    assert [e["length_minutes"] for e in entries] == [None, None, 15, 15]
    assert entries[2]["replaced_by"] == second["id"]
    assert (entries[3]["by_name"], entries[3]["until"], entries[3]["at"]) == (
        "Bea",
        first["until"],
        first["created_at"],
    )

    everything = await inbox.audit(who="banner")
    assert (everything["total"], everything["items"][0]["ban_id"]) == (5, other["id"])
    paged = await inbox.audit(page=2, page_size=2)
    assert [e["id"] for e in paged["items"]] == [e["id"] for e in everything["items"][2:4]]
    assert error(await inbox.call("agent", "GET", "/v1/bans/audit")) == (403, "forbidden")
    assert (await inbox.audit(who="foreign"))["total"] == 0


# --- who may ban whom -------------------------------------------------------------------------


async def test_who_may_ban_whom(inbox: Inbox) -> None:
    reason = await inbox.reason()
    person = await inbox.person()
    body = {"person_id": person, "reason_id": reason}

    assert error(await inbox.call("agent", "POST", "/v1/bans", body)) == (403, "forbidden")  # no ban grant
    assert error(await inbox.call("agent", "GET", "/v1/bans")) == (403, "forbidden")
    assert error(await inbox.call("other team", "POST", "/v1/bans", body)) == (404, "not_found")
    assert error(await inbox.call("foreign", "POST", "/v1/bans", body)) == (404, "not_found")
    unknown = await inbox.call("admin", "POST", "/v1/bans", {**body, "person_id": new_id()})
    assert error(unknown) == (404, "not_found")
    assert (await inbox.bans())["total"] == 0

    ban = await inbox.ban(person, reason, who="banner")  # an agent of the person's team, granted ban
    assert error(await inbox.call("other team", "DELETE", f"/v1/bans/{ban['id']}")) == (404, "not_found")
    assert error(await inbox.call("foreign", "DELETE", f"/v1/bans/{ban['id']}")) == (404, "not_found")
    assert error(await inbox.call("agent", "DELETE", f"/v1/bans/{ban['id']}")) == (403, "forbidden")
    assert (await inbox.bans(who="foreign"))["total"] == 0
    assert (await inbox.bans(who="banner", active="true"))["total"] == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"length_minutes": 0},
        {"length_minutes": -5},
        {"length_minutes": "60"},
        {"length_minutes": 2.5},
        {"length_minutes": True},
        {"length_minutes": 10**9},
        {"until": "2030-01-01T00:00:00Z"},
        {"reason_id": None},
        {"person_id": ""},
        {"reason_id": 7},
    ],
)
async def test_bad_bans_are_refused_and_store_nothing(inbox: Inbox, changes: dict[str, Any]) -> None:
    body = {"person_id": await inbox.person(), "reason_id": await inbox.reason(), **changes}
    assert error(await inbox.call("admin", "POST", "/v1/bans", body)) == (422, "validation_failed")
    assert (await inbox.bans())["total"] == 0
    assert (await inbox.audit())["total"] == 0


async def test_bad_queries_are_refused(inbox: Inbox) -> None:
    assert error(await inbox.call("admin", "GET", "/v1/bans", active="maybe")) == (422, "validation_failed")
    assert error(await inbox.call("admin", "GET", "/v1/bans/audit", page=0)) == (422, "validation_failed")
    assert error(await inbox.call("admin", "GET", "/v1/ban-rules", teamspace_id="")) == (
        422,
        "validation_failed",
    )
    assert error(await inbox.call("admin", "POST", "/v1/bans", {"person_id": "p"})) == (
        422,
        "validation_failed",
    )


async def test_two_bans_at_once_leave_one_active(inbox: Inbox) -> None:
    reason = await inbox.reason()
    person = await inbox.person()
    made = await asyncio.gather(*(inbox.ban(person, reason, length_minutes=m) for m in (10, 20)))
    bans = (await inbox.bans(person_id=person))["items"]
    assert sorted(b["offence"] for b in bans) == [1, 2]
    assert [b["active"] for b in bans] == [True, False]  # the later one overrode the earlier one
    assert {b["id"] for b in bans} == {m["id"] for m in made}
    assert bans[1]["ended_reason"] == "overridden"


# --- the event --------------------------------------------------------------------------------


async def test_bans_and_unbans_are_announced_on_the_bus(inbox: Inbox) -> None:
    reason = await inbox.reason()
    person = await inbox.person()
    connection = await aio_pika.connect(inbox.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(inbox.settings.exchange)
        probe = await channel.declare_queue(f"{inbox.settings.queue_prefix}probe-{new_id()}", exclusive=True)
        await probe.bind(exchange, routing_key=BanChangedV1.routing_key())

        ban = await inbox.ban(person, reason, length_minutes=60)
        made = await eventually(lambda: probe.get(no_ack=True, fail=False))
        assert (await inbox.call("admin", "DELETE", f"/v1/bans/{ban['id']}")).status_code == 204
        lifted = await eventually(lambda: probe.get(no_ack=True, fail=False))

    banned = Envelope.model_validate_json(made.body)
    assert (banned.workspace_id, banned.chat_id) == (WS, None)
    event = banned.open(BanChangedV1)
    assert event.model_dump(exclude={"person_external_id"}) == {
        "ban_id": ban["id"],
        "person_id": person,
        "app_id": "app-ts-1",
        "channel": "webchat",
        "teamspace_id": TEAMSPACE,
        "active": True,
        "until": at(ban["until"]),
        "reason_id": reason,
    }
    assert event.person_external_id.startswith("visitor-")
    unbanned = Envelope.model_validate_json(lifted.body).open(BanChangedV1)
    assert (unbanned.ban_id, unbanned.person_id, unbanned.active) == (ban["id"], person, False)
    assert unbanned.person_external_id == event.person_external_id
