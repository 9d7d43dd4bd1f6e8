"""Finding chats over HTTP (real broker and database): keyword search by word prefix over messages,
the person's name, the description and the chat id; every filter and its ``none``, combined; sorts
and pages; bad values refused; never a chat the caller may not see; search terms kept current by the
writes that store messages and change fields, and rebuilt from what is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from inbox.inbound.handlers import on_message_received
from livechat_shared.contracts import (
    AiReplyCreatedV1,
    Envelope,
    FeedbackCollectedV1,
    MessageReceivedV1,
    PersonRef,
)
from livechat_shared.ids import new_id, utcnow

from .conftest import WS
from .conftest import LiveInbox as Inbox

NAMES = ("hello", "refund", "printer", "outsider", "lonely", "ai")
"""The world's chats, oldest first (``hello`` is the fixture's)."""


@dataclass
class World:
    inbox: Inbox
    ids: dict[str, str]
    """Chat name → id."""
    tags: dict[str, str]
    group: str

    def auth(self, user: str) -> dict[str, str]:
        return self.inbox.auth(user, "ws-other" if user == "u-other" else WS)

    def names(self, items: list[dict]) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[c["id"]] for c in items]

    async def get(self, user: str = "u-admin", **params: object) -> httpx.Response:
        return await self.inbox.client.get("/v1/chats", headers=self.auth(user), params=params)

    async def find(self, *pairs: tuple[str, str], user: str = "u-admin", **params: object) -> list[str]:
        """The names of the chats ``user`` finds with these parameters (every page), in order."""
        query = httpx.QueryParams(list(pairs)).merge({k: str(v) for k, v in params.items()})
        response = await self.inbox.client.get(
            "/v1/chats", headers=self.auth(user), params=query.merge({"page_size": "200"})
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"]) and body["total_exact"] is True
        return self.names(body["items"])

    async def admin(self, method: str, path: str, body: dict) -> dict:
        response = await self.inbox.client.request(
            method, path, headers=self.inbox.auth("u-admin"), json=body
        )
        assert response.status_code in (200, 201), response.text
        result: dict = response.json()
        return result


async def write(
    inbox: Inbox, visitor: str, text: str, *, name: str | None = None, teams: tuple[str, ...] = ("team-1",)
) -> str:
    """A person's message (as the bus would bring it); the id of their chat."""
    event = MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        team_ids=list(teams),
        channel="webchat",
        external_message_id=new_id(),
        person=PersonRef(external_id=visitor, name=name),
        text=text,
        received_at=utcnow(),
    )
    await on_message_received(inbox.app.state.inbound)(Envelope.wrap(event, workspace_id=WS))
    doc = await inbox.app.state.runtime.mongo.db["chats"].find_one({"person_external_id": visitor})
    return str(doc["_id"])


@pytest.fixture
async def world(live_inbox: Inbox) -> World:
    inbox = live_inbox
    w = World(inbox, {"hello": inbox.chat_id}, {}, "")
    group = await w.admin("POST", "/v1/tag-groups", {"teamspace_id": "ts-1", "name": "Billing"})
    w.group = group["id"]
    for tag, group_id in (("VIP", w.group), ("Bug", None)):
        made = await w.admin("POST", "/v1/tags", {"teamspace_id": "ts-1", "name": tag, "group_id": group_id})
        w.tags[tag] = made["id"]
    plan = {
        "teamspace_id": "ts-1",
        "key": "plan",
        "name": "Plan",
        "type": "dropdown",
        "options": ["Gold", "Silver"],
    }
    await w.admin("POST", "/v1/custom-fields", plan)
    await w.admin(
        "POST",
        "/v1/custom-fields",
        {"teamspace_id": "ts-1", "key": "seats", "name": "Seats", "type": "number"},
    )

    refund = w.ids["refund"] = await write(
        inbox, "v-refund", "I need a Refund for order 7781", name="Zoë Müller"
    )
    await w.admin(
        "PATCH",
        f"/v1/chats/{refund}",
        {"description": "Espresso at the Café", "custom_fields": {"plan": "Gold"}},
    )
    await w.admin("POST", f"/v1/chats/{refund}/tags", {"tag_id": w.tags["VIP"]})
    await w.admin("POST", f"/v1/chats/{refund}/transfer", {"agent_id": "u-agent"})
    rating = FeedbackCollectedV1(score=5, comment="Great", at=utcnow())
    await inbox.app.state.ai_agent.feedback_collected(
        Envelope.wrap(rating, workspace_id=WS, chat_id=refund), rating
    )

    printer = w.ids["printer"] = await write(inbox, "v-printer", "My printer is broken", name="Bob Stone")
    await w.admin("POST", f"/v1/chats/{printer}/tags", {"tag_id": w.tags["Bug"]})
    await w.admin("PATCH", f"/v1/chats/{printer}", {"custom_fields": {"seats": 5}})
    await w.admin("POST", f"/v1/chats/{printer}/transfer", {"team_id": "team-1"})

    outsider = w.ids["outsider"] = await write(inbox, "v-outsider", "refund please", name="Olaf")
    await w.admin("POST", f"/v1/chats/{outsider}/transfer", {"team_id": "team-9"})

    w.ids["lonely"] = await write(inbox, "v-lonely", "nobody's team", teams=())

    ai = w.ids["ai"] = await write(inbox, "v-ai", "opening hours?")
    answer = AiReplyCreatedV1(kind="answer", text="We open at nine.")
    await inbox.app.state.ai_agent.reply_created(Envelope.wrap(answer, workspace_id=WS, chat_id=ai), answer)
    return w


ALL = sorted(NAMES)


FILTERS: list[tuple[list[tuple[str, str]], list[str]]] = [
    ([], ALL),
    ([("status", "pending")], ["outsider", "printer"]),
    ([("status", "open"), ("status", "pending")], ALL),
    ([("status", "none")], []),
    ([("mode", "ai")], ["ai", "hello", "lonely"]),
    ([("mode", "live")], ["outsider", "printer", "refund"]),
    ([("mode", "none")], []),
    ([("tag", "VIP")], ["refund"]),
    ([("tag", "VIP"), ("tag", "Bug")], ["printer", "refund"]),
    ([("tag", "none")], ["ai", "hello", "lonely", "outsider"]),
    ([("tag", "none"), ("tag", "Bug")], ["ai", "hello", "lonely", "outsider", "printer"]),
    ([("tag_group", "Billing")], ["refund"]),
    ([("tag_group", "none")], ["ai", "hello", "lonely", "outsider", "printer"]),
    ([("agent", "u-agent")], ["refund"]),
    ([("agent", "none")], ["ai", "hello", "lonely", "outsider", "printer"]),
    ([("team", "team-9")], ["outsider"]),
    ([("team", "team-1")], ["ai", "hello", "printer", "refund"]),
    ([("team", "none")], ["lonely"]),
    ([("team", "none"), ("team", "team-9")], ["lonely", "outsider"]),
    ([("csat", "5")], ["refund"]),
    ([("csat", "4")], []),
    ([("csat", "none")], ["ai", "hello", "lonely", "outsider", "printer"]),
    ([("cf.plan", "Gold")], ["refund"]),
    ([("cf.plan", "gold")], ["refund"]),
    ([("cf.plan", "Silver")], []),
    ([("cf.plan", "none")], ["ai", "hello", "lonely", "outsider", "printer"]),
    ([("cf.seats", "5")], ["printer"]),
    ([("cf.seats", "5.0"), ("cf.seats", "6")], ["printer"]),
    ([("cf.seats", "none"), ("cf.plan", "none")], ["ai", "hello", "lonely", "outsider"]),
    # across fields: all must hold
    ([("mode", "live"), ("status", "pending")], ["outsider", "printer"]),
    ([("mode", "live"), ("status", "pending"), ("team", "team-1")], ["printer"]),
    ([("tag", "none"), ("mode", "ai"), ("team", "team-1")], ["ai", "hello"]),
    ([("agent", "none"), ("csat", "none"), ("cf.plan", "none"), ("q", "refund")], ["outsider"]),
]
"""Parameters (tags and the tag group by name) → the chats found."""


async def test_each_filter_and_its_none_and_combinations(world: World) -> None:
    wrong = {}
    for params, expected in FILTERS:
        named = [(k, world.tags.get(v, world.group if v == "Billing" else v)) for k, v in params]
        if (found := sorted(await world.find(*named))) != expected:
            wrong[str(params)] = found
    assert wrong == {}


async def test_created_from_and_to_by_time_and_by_day(world: World) -> None:
    printer = await world.inbox.chat(world.ids["printer"])
    at = printer["created_at"]
    assert sorted(await world.find(created_from=at)) == ["ai", "lonely", "outsider", "printer"]
    assert sorted(await world.find(created_to=at)) == ["hello", "printer", "refund"]
    assert await world.find(created_from=at, created_to=at) == ["printer"]
    first = datetime.fromisoformat((await world.inbox.chat(world.ids["hello"]))["created_at"]).date()
    last = datetime.fromisoformat((await world.inbox.chat(world.ids["ai"]))["created_at"]).date()
    assert sorted(await world.find(created_from=first.isoformat(), created_to=last.isoformat())) == ALL
    assert await world.find(created_to=(first - timedelta(days=1)).isoformat()) == []
    assert await world.find(created_from=(last + timedelta(days=1)).isoformat()) == []
    assert await world.find(created_from="none") == []


KEYWORDS: list[tuple[str, list[str]]] = [
    ("refu", ["outsider", "refund"]),  # the start of a word in a message
    ("REFUND", ["outsider", "refund"]),
    ("refunds", []),
    ("efund", []),  # a prefix, not any substring
    ("refu 778", ["refund"]),  # every word must match
    ("cafe", ["refund"]),  # the description, accents ignored
    ("CAFÉ espr", ["refund"]),
    ("zoe", ["refund"]),  # the person's name
    ("mull", ["refund"]),
    ("stone", ["printer"]),
    ("nine", ["ai"]),  # the AI's answer
    ("transferred", ["outsider", "printer", "refund"]),  # the system lines
    ("printer broken", ["printer"]),
]


async def test_keywords_match_word_prefixes_case_and_accents_ignored(world: World) -> None:
    found = {q: sorted(await world.find(q=q)) for q, _ in KEYWORDS}
    assert found == dict(KEYWORDS)


async def test_a_chat_is_found_by_its_id_or_the_start_of_it(world: World) -> None:
    chat_id = world.ids["printer"]
    assert await world.find(q=chat_id) == ["printer"]
    assert await world.find(q=chat_id.lower()) == ["printer"]
    assert "printer" in await world.find(q=chat_id[:12])


async def test_nobody_finds_a_chat_they_may_not_see(world: World) -> None:
    assert sorted(await world.find(user="u-agent")) == ["ai", "hello", "printer", "refund"]
    assert await world.find(q="refund", user="u-agent") == ["refund"]  # not the other team's
    assert await world.find(("team", "team-9"), user="u-agent") == []
    assert await world.find(("agent", "none"), q="olaf", user="u-agent") == []
    assert await world.find(("agent", "u-agent"), user="u-agent2") == []  # a colleague's chat
    assert sorted(await world.find(user="u-sup")) == ["ai", "hello", "printer", "refund"]
    assert await world.find(user="u-outsider") == ["outsider"]
    assert await world.find(q="refund", user="u-outsider") == ["outsider"]
    assert await world.find(user="u-other") == []
    assert await world.find(q="refund", user="u-other") == []


async def test_sorts(world: World) -> None:
    oldest_first = await world.find(sort="created_at")
    assert oldest_first == list(NAMES)
    assert await world.find(sort="-created_at") == list(reversed(NAMES))
    assert await world.find() == list(reversed(NAMES))  # newest first by default
    assert await world.find(sort="-created_at", user="u-agent") == ["ai", "printer", "refund", "hello"]
    await world.admin("PATCH", f"/v1/chats/{world.ids['hello']}", {"description": "touched"})
    assert (await world.find(sort="-updated_at"))[0] == "hello"
    assert (await world.find(sort="updated_at"))[-1] == "hello"
    assert (await world.find(sort="-last_message_at"))[0] == "ai"
    await write(world.inbox, "v-lonely", "still here")
    assert (await world.find(sort="-last_message_at"))[0] == "lonely"
    assert (await world.find(sort="last_message_at"))[-1] == "lonely"
    assert (await world.find(("q", "here"), sort="-updated_at")) == ["lonely"]


async def test_pages_and_their_edges(world: World) -> None:
    pages = []
    for page in (1, 2, 3):
        body = (await world.get(page=page, page_size=4)).json()
        assert (body["total"], body["page"], body["page_size"], body["total_exact"]) == (6, page, 4, True)
        pages.append(world.names(body["items"]))
    assert pages == [["ai", "lonely", "outsider", "printer"], ["refund", "hello"], []]
    last = (await world.get(page=100_000, page_size=200)).json()
    assert (last["items"], last["total"]) == ([], 6)
    one = (await world.get(page_size=1, status="pending")).json()
    assert (world.names(one["items"]), one["total"]) == (["outsider"], 2)
    assert len((await world.get(page_size=200)).json()["items"]) == 6


async def test_past_the_count_cap_the_total_says_it_is_not_exact(world: World) -> None:
    world.inbox.app.state.search.count_cap = 3
    capped = (await world.get(page_size=2)).json()
    assert (len(capped["items"]), capped["total"], capped["total_exact"]) == (2, 3, False)
    exact = (await world.get(page_size=2, mode="live")).json()
    assert (exact["total"], exact["total_exact"]) == (3, True)
    last = (await world.get(page=2, page_size=4)).json()  # the last page knows exactly
    assert (len(last["items"]), last["total"], last["total_exact"]) == (2, 6, True)
    document = (await world.inbox.client.get("/openapi.json")).json()
    page = document["paths"]["/v1/chats"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][page["$ref"].rsplit("/", 1)[-1]]
    assert {"items", "total", "page", "page_size", "total_exact"} <= set(schema["properties"])
    assert "cap" in schema["properties"]["total_exact"]["description"]
    params = {p["name"] for p in document["paths"]["/v1/chats"]["get"]["parameters"]}
    assert {"q", "status", "mode", "tag", "tag_group", "agent", "team", "csat", "created_from"} <= params
    assert {"created_to", "sort", "page", "page_size"} <= params


BAD: list[tuple[dict[str, str], str]] = [
    ({"status": "bogus"}, "invalid_filter"),
    ({"mode": "human"}, "invalid_filter"),
    ({"csat": "6"}, "invalid_filter"),
    ({"csat": "0"}, "invalid_filter"),
    ({"created_from": "last week"}, "invalid_filter"),
    ({"created_to": "2026-02-30"}, "invalid_filter"),
    ({"cf.Plan": "Gold"}, "invalid_filter"),
    ({"q": "x" * 201}, "invalid_filter"),
    ({"sort": "name"}, "invalid_sort"),
    ({"page_size": "201"}, "invalid_page"),
    ({"page_size": "0"}, "invalid_page"),
    ({"page": "0"}, "invalid_page"),
    ({"page": "4611686018427387904"}, "invalid_page"),
]


async def test_bad_values_are_a_400_naming_what_is_wrong(world: World) -> None:
    for params, code in BAD:
        response = await world.get(**params)
        assert response.status_code == 400, (params, response.text)
        error = response.json()["error"]
        assert (error["code"], bool(error["message"])) == (code, True), params
    assert sorted(await world.find()) == ALL  # nothing changed


async def test_search_terms_follow_every_write(world: World) -> None:
    refund, printer = world.ids["refund"], world.ids["printer"]
    await world.admin("PATCH", f"/v1/chats/{refund}", {"description": "Billing question"})
    assert await world.find(q="espresso") == []  # the old description's words are gone...
    assert await world.find(q="billing") == ["refund"]
    assert await world.find(q="7781") == ["refund"]  # ...its messages' stay
    reply = {"text": "Your voucher for {{person.name}} is ready", "client_message_id": new_id()}
    sent = await world.inbox.client.post(
        f"/v1/chats/{refund}/messages", headers=world.inbox.auth("u-agent"), json=reply
    )
    assert sent.status_code == 201, sent.text
    assert await world.find(q="vouch") == ["refund"]
    await write(
        world.inbox, "v-printer", "and the SCANNER too", name="Bobby Stone"
    )  # an existing chat's message
    assert await world.find(q="scanner") == ["printer"]
    assert await world.find(q="bobby") == ["printer"]
    await world.admin("PATCH", f"/v1/chats/{printer}", {"status": "resolved"})
    assert await world.find(("status", "resolved")) == ["printer"]
    await write(world.inbox, "v-printer", "it broke again")  # reopens it
    assert await world.find(("status", "resolved")) == []
    assert "printer" in await world.find(("status", "open"))
    await world.admin("PATCH", f"/v1/chats/{printer}", {"custom_fields": {"seats": None}})
    assert await world.find(("cf.seats", "5")) == []
    await world.admin("DELETE", f"/v1/chats/{printer}/tags/{world.tags['Bug']}", {})
    assert "printer" in await world.find(("tag", "none"))


async def test_a_chat_s_terms_and_facets_are_rebuilt_from_what_is_stored(world: World) -> None:
    printer = world.ids["printer"]
    chats = world.inbox.app.state.runtime.mongo.db["chats"]
    await chats.update_one({"_id": printer}, {"$unset": {"facets": "", "terms": "", "message_terms": ""}})
    assert await world.find(q="printer") == []
    assert "printer" not in await world.find(user="u-agent")
    assert await world.inbox.app.state.search.rebuild(printer)
    assert await world.find(q="printer broken") == ["printer"]
    assert await world.find(q="stone") == ["printer"]
    assert "printer" in await world.find(("tag", world.tags["Bug"]), user="u-agent")
    assert not await world.inbox.app.state.search.rebuild("no-such-chat")
    await chats.update_one({"_id": printer}, {"$unset": {"facets": ""}})
    assert await world.inbox.app.state.search.backfill() == 1
    assert "printer" in await world.find(user="u-agent")
