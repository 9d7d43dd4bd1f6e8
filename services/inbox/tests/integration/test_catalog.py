"""The catalog over HTTP against the real app, broker and database: tags, tag groups, custom
fields, canned replies and aliases — who may change them, what is unique, what is fixed, what is
refused (and then not stored), and that another workspace's settings do not exist."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from inbox.app import create_app
from inbox.settings import Settings
from livechat_dev.testing import directory_user, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import DirectoryUser

WS, ELSEWHERE = "ws-catalog", "ws-elsewhere"
USERS: dict[str, DirectoryUser] = {
    "admin": directory_user("u-admin", WS, "admin"),
    "supervisor": directory_user("u-sup", WS, "supervisor", team_ids=("t-1",)),
    "agent": directory_user("u-agent", WS, "agent", team_ids=("t-1",)),
    "exporter": directory_user("u-exporter", WS, "agent", grants=["export"]),
    "granted": directory_user("u-granted", WS, "agent", grants=["settings"]),
    "deactivated": directory_user("u-gone", WS, "admin", active=False),
    "foreign": directory_user("u-foreign", ELSEWHERE, "admin"),
}
KINDS = ("tags", "tag-groups", "custom-fields", "canned-replies", "aliases")


@dataclass
class Inbox:
    http: httpx.AsyncClient
    settings: Settings
    app: Any

    def headers(self, who: str) -> dict[str, str]:
        user = USERS[who]
        token = issue_token(self.settings, user_id=user.id, workspace_id=user.workspace_id)
        return {"Authorization": f"Bearer {token}"}

    async def call(self, who: str, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.headers(who), json=body, params=params)

    async def make(self, who: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        made = await self.call(who, "POST", f"/v1/{kind}", body)
        assert made.status_code == 201, made.text
        created: dict[str, Any] = made.json()
        return created

    async def listed(self, who: str, kind: str, **params: Any) -> dict[str, Any]:
        page = await self.call(who, "GET", f"/v1/{kind}", page_size=200, **params)
        assert page.status_code == 200, page.text
        body: dict[str, Any] = page.json()
        return body

    async def totals(self, who: str = "admin") -> dict[str, int]:
        return {kind: (await self.listed(who, kind))["total"] for kind in KINDS}


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return settings_from(Settings, env)


@pytest.fixture
async def inbox(settings: Settings) -> AsyncIterator[Inbox]:
    await seed_directory(settings, *USERS.values())
    app = create_app(settings)
    async with running(app) as http:
        yield Inbox(http, settings, app)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def one_of_each(teamspace_id: str = "ts-1") -> dict[str, dict[str, Any]]:
    """A valid creation body of each kind."""
    ts = {"teamspace_id": teamspace_id}
    return {
        "tags": {**ts, "name": "VIP", "colour": "#FFAA00"},
        "tag-groups": {**ts, "name": "Billing"},
        "custom-fields": {
            **ts,
            "key": "plan",
            "name": "Plan",
            "type": "dropdown",
            "options": ["gold", "silver"],
        },
        "canned-replies": {**ts, "shortcut": "hello", "title": "Greeting", "body": "Hi {{person.name}}!"},
        "aliases": {**ts, "name": "Support", "avatar_url": "https://cdn.example/support.png"},
    }


A_CHANGE = {
    "tags": {"name": "Gold"},
    "tag-groups": {"name": "Invoices"},
    "custom-fields": {"name": "Tier"},
    "canned-replies": {"title": "Welcome"},
    "aliases": {"name": "Helpdesk"},
}

# --- happy paths ------------------------------------------------------------------------------


async def test_tags_in_groups_listed_changed_and_deleted(inbox: Inbox) -> None:
    billing = await inbox.make("admin", "tag-groups", {"teamspace_id": "ts-1", "name": "Billing"})
    assert set(billing) == {"id", "workspace_id", "teamspace_id", "name", "created_at", "updated_at"}
    refund = await inbox.make(
        "admin",
        "tags",
        {"teamspace_id": "ts-1", "name": " Refund ", "colour": "#FFAA00", "group_id": billing["id"]},
    )
    assert (refund["name"], refund["colour"], refund["group_id"], refund["workspace_id"]) == (
        "Refund",
        "#ffaa00",
        billing["id"],
        WS,
    )
    assert refund["created_at"] == refund["updated_at"]
    await inbox.make("admin", "tags", {"teamspace_id": "ts-1", "name": "angry"})
    await inbox.make("admin", "tags", {"teamspace_id": "ts-2", "name": "Other teamspace"})

    page = await inbox.listed("agent", "tags", teamspace_id="ts-1")  # agents read them
    assert set(page) == {"items", "total", "page", "page_size"}
    assert ([t["name"] for t in page["items"]], page["total"], page["page"]) == (["angry", "Refund"], 2, 1)
    assert page["items"][1] == refund  # what the write answered is what a read shows
    assert (await inbox.listed("agent", "tags"))["total"] == 3
    second = (await inbox.call("agent", "GET", "/v1/tags", page=2, page_size=2)).json()
    assert ([t["name"] for t in second["items"]], second["total"], second["page_size"]) == (
        ["Other teamspace"],
        3,
        2,
    )

    changed = await inbox.call(
        "admin", "PATCH", f"/v1/tags/{refund['id']}", {"name": "Refunds", "colour": None}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["colour"], changed.json()["group_id"]) == (
        "Refunds",
        None,
        billing["id"],
    )
    assert at(changed.json()["updated_at"]) > at(refund["updated_at"])

    deleted = await inbox.call("admin", "DELETE", f"/v1/tag-groups/{billing['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    ungrouped = [t for t in (await inbox.listed("admin", "tags"))["items"] if t["id"] == refund["id"]]
    assert ungrouped[0]["group_id"] is None
    assert (await inbox.listed("admin", "tag-groups"))["total"] == 0
    assert (await inbox.call("admin", "DELETE", f"/v1/tags/{refund['id']}")).status_code == 204
    assert error(await inbox.call("admin", "DELETE", f"/v1/tags/{refund['id']}")) == (404, "not_found")
    assert (await inbox.listed("admin", "tags"))["total"] == 2


async def test_custom_fields_of_every_type(inbox: Inbox) -> None:
    bodies = [
        {"key": "note", "name": "Note", "type": "text", "default": "  none yet "},
        {"key": "order-total", "name": "Order total", "type": "number", "default": 12.5},
        {"key": "vip", "name": "VIP", "type": "toggle", "default": False, "description": "a paying customer"},
        {"key": "plan", "name": "Plan", "type": "dropdown", "options": ["gold", "silver"], "default": "gold"},
        {"key": "renewal", "name": "Renewal", "type": "date", "default": "2026-12-31"},
        {"key": "seats", "name": "Seats", "type": "number"},
    ]
    made = [await inbox.make("admin", "custom-fields", {"teamspace_id": "ts-1", **b}) for b in bodies]
    assert [f["default"] for f in made] == ["none yet", 12.5, False, "gold", "2026-12-31", None]
    assert made[3]["options"] == ["gold", "silver"] and made[0]["options"] == []
    assert made[2]["description"] == "a paying customer"
    listed = await inbox.listed("agent", "custom-fields", teamspace_id="ts-1")
    assert [f["key"] for f in listed["items"]] == [b["key"] for b in bodies]  # in the order made
    assert listed["items"] == made

    changed = await inbox.call(
        "admin",
        "PATCH",
        f"/v1/custom-fields/{made[3]['id']}",
        {"name": "Tier", "description": "the customer's plan", "options": ["gold", "bronze"], "key": "plan"},
    )
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in ("key", "name", "description", "options", "default")} == {
        "key": "plan",
        "name": "Tier",
        "description": "the customer's plan",
        "options": ["gold", "bronze"],
        "default": "gold",
    }


async def test_canned_replies_and_aliases(inbox: Inbox) -> None:
    for shortcut in ("thanks", "hello"):
        await inbox.make(
            "granted",
            "canned-replies",
            {
                "teamspace_id": "ts-1",
                "shortcut": shortcut,
                "title": shortcut.title(),
                "body": "Hi {{ person.name }}",
            },
        )
    replies = await inbox.listed("agent", "canned-replies")
    assert [r["shortcut"] for r in replies["items"]] == ["hello", "thanks"]
    hello = replies["items"][0]
    assert hello["body"] == "Hi {{ person.name }}"
    changed = await inbox.call(
        "granted",
        "PATCH",
        f"/v1/canned-replies/{hello['id']}",
        {"shortcut": "hi", "body": "Hello {{agent.name}}"},
    )
    assert (changed.json()["shortcut"], changed.json()["title"], changed.json()["body"]) == (
        "hi",
        "Hello",
        "Hello {{agent.name}}",
    )

    alias = await inbox.make(
        "granted",
        "aliases",
        {"teamspace_id": "ts-1", "name": "Support", "avatar_url": "https://cdn.example/a.png"},
    )
    await inbox.make("granted", "aliases", {"teamspace_id": "ts-1", "name": "Support"})  # names may repeat
    cleared = await inbox.call("granted", "PATCH", f"/v1/aliases/{alias['id']}", {"avatar_url": None})
    assert (cleared.json()["name"], cleared.json()["avatar_url"]) == ("Support", None)
    aliases = (await inbox.listed("agent", "aliases"))["items"]
    assert [a["name"] for a in aliases] == ["Support", "Support"] and aliases[0]["id"] == alias["id"]
    assert (await inbox.call("granted", "DELETE", f"/v1/aliases/{alias['id']}")).status_code == 204
    assert (await inbox.listed("agent", "aliases"))["total"] == 1


# --- uniqueness -------------------------------------------------------------------------------


async def test_names_keys_and_shortcuts_are_unique_per_teamspace(inbox: Inbox) -> None:
    bodies = one_of_each()
    made = {kind: await inbox.make("admin", kind, body) for kind, body in bodies.items()}
    clashes = {
        "tags": {**bodies["tags"], "name": "vip", "colour": None},
        "tag-groups": {**bodies["tag-groups"], "name": "  BILLING "},
        "custom-fields": {**bodies["custom-fields"], "type": "text", "options": []},
        "canned-replies": {**bodies["canned-replies"], "title": "Another"},
    }
    for kind, body in clashes.items():
        refused = await inbox.call("admin", "POST", f"/v1/{kind}", body)
        assert error(refused) == (409, "duplicate"), (kind, refused.text)
        assert "already has" in refused.json()["error"]["message"]
    assert await inbox.totals() == dict.fromkeys(KINDS, 1)

    for kind, body in one_of_each("ts-2").items():  # the same names in another teamspace
        await inbox.make("admin", kind, body)
    assert await inbox.totals() == dict.fromkeys(KINDS, 2)

    renames = {
        "tags": ({"teamspace_id": "ts-1", "name": "Gold"}, {"name": "VIP"}),
        "tag-groups": ({"teamspace_id": "ts-1", "name": "Sales"}, {"name": "billing"}),
        "canned-replies": (
            {"teamspace_id": "ts-1", "shortcut": "bye", "title": "Bye", "body": "Bye!"},
            {"shortcut": "hello"},
        ),
    }
    for kind, (body, change) in renames.items():
        other = await inbox.make("admin", kind, body)
        refused = await inbox.call("admin", "PATCH", f"/v1/{kind}/{other['id']}", change)
        assert error(refused) == (409, "duplicate"), (kind, refused.text)
        stored = [i for i in (await inbox.listed("admin", kind))["items"] if i["id"] == other["id"]]
        assert stored == [other]
    renamed = await inbox.call("admin", "PATCH", f"/v1/tags/{made['tags']['id']}", {"name": "Vip"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Vip"  # its own name, recased


async def test_concurrent_creations_of_one_name_store_one(inbox: Inbox) -> None:
    """The unique index decides, not a read before the write: of racing creations one wins."""
    bodies = [("tags", {"teamspace_id": "ts-1", "name": f"Race{' ' * i}"}) for i in range(6)]
    bodies += [
        ("canned-replies", {"teamspace_id": "ts-1", "shortcut": "race", "title": "R", "body": "R"})
    ] * 6
    answers = await asyncio.gather(
        *(inbox.call("admin", "POST", f"/v1/{kind}", body) for kind, body in bodies)
    )
    for kind in ("tags", "canned-replies"):
        statuses = sorted(a.status_code for (k, _), a in zip(bodies, answers, strict=True) if k == kind)
        assert statuses == [201, 409, 409, 409, 409, 409], kind
        assert (await inbox.listed("admin", kind))["total"] == 1


async def test_the_unique_indexes_are_in_the_database(inbox: Inbox) -> None:
    db = inbox.app.state.runtime.mongo.db
    expected = {
        "tags": ["workspace_id", "teamspace_id", "name_key"],
        "tag_groups": ["workspace_id", "teamspace_id", "name_key"],
        "custom_fields": ["workspace_id", "teamspace_id", "key"],
        "canned_replies": ["workspace_id", "teamspace_id", "shortcut"],
    }
    for collection, keys in expected.items():
        indexes = await db[collection].index_information()
        unique = [[k for k, _ in spec["key"]] for spec in indexes.values() if spec.get("unique")]
        assert keys in unique, (collection, indexes)


# --- tag groups must be of the same teamspace -------------------------------------------------


async def test_a_tags_group_must_be_of_its_teamspace(inbox: Inbox) -> None:
    here = await inbox.make("admin", "tag-groups", {"teamspace_id": "ts-1", "name": "Here"})
    there = await inbox.make("admin", "tag-groups", {"teamspace_id": "ts-2", "name": "There"})
    foreign = await inbox.make("foreign", "tag-groups", {"teamspace_id": "ts-1", "name": "Foreign"})
    tag = await inbox.make("admin", "tags", {"teamspace_id": "ts-1", "name": "VIP", "group_id": here["id"]})
    for group_id in (there["id"], foreign["id"], "no-such-group"):
        body = {"teamspace_id": "ts-1", "name": "Other", "group_id": group_id}
        assert error(await inbox.call("admin", "POST", "/v1/tags", body)) == (422, "unknown_tag_group")
        moved = await inbox.call(
            "admin", "PATCH", f"/v1/tags/{tag['id']}", {"group_id": group_id, "name": "X"}
        )
        assert error(moved) == (422, "unknown_tag_group")
    assert (await inbox.listed("admin", "tags"))["items"] == [tag]
    moved = await inbox.call("admin", "PATCH", f"/v1/tags/{tag['id']}", {"group_id": None})
    assert moved.status_code == 200 and moved.json()["group_id"] is None


# --- fixed fields and invalid values ----------------------------------------------------------


async def test_key_type_and_default_of_a_custom_field_are_fixed(inbox: Inbox) -> None:
    made = await inbox.make(
        "admin",
        "custom-fields",
        {"teamspace_id": "ts-1", "key": "seats", "name": "Seats", "type": "number", "default": 5},
    )
    path = f"/v1/custom-fields/{made['id']}"
    for change in (
        {"type": "text"},
        {"key": "places"},
        {"default": 6},
        {"default": None},
        {"name": "X", "type": "toggle"},
    ):
        refused = await inbox.call("admin", "PATCH", path, change)
        assert error(refused) == (422, "immutable_field"), (change, refused.text)
    assert (await inbox.listed("admin", "custom-fields"))["items"] == [made]
    unchanged = await inbox.call("admin", "PATCH", path, {"key": "seats", "type": "number", "default": 5})
    assert unchanged.status_code == 200 and unchanged.json() == made


@pytest.mark.parametrize(
    ("field", "default", "named"),
    [
        ({"type": "number"}, "5", "'Seats' (seats) must be a number"),
        ({"type": "number"}, True, "must be a number"),
        ({"type": "toggle"}, "yes", "must be true or false"),
        ({"type": "text"}, 42, "must be text"),
        ({"type": "text"}, "x" * 2001, "must be text of at most 2000 characters"),
        ({"type": "date"}, "2026-02-30", "must be a date written YYYY-MM-DD"),
        ({"type": "date"}, "31/12/2026", "must be a date"),
        ({"type": "dropdown", "options": ["gold"]}, "bronze", "must be one of 'gold'"),
    ],
)
async def test_a_default_that_does_not_fit_the_type_is_refused(
    inbox: Inbox, field: dict[str, Any], default: object, named: str
) -> None:
    body = {"teamspace_id": "ts-1", "key": "seats", "name": "Seats", "default": default, **field}
    refused = await inbox.call("admin", "POST", "/v1/custom-fields", body)
    assert error(refused) == (422, "invalid_field_value")
    assert named in refused.json()["error"]["message"]
    assert (await inbox.listed("admin", "custom-fields"))["total"] == 0


async def test_options_that_do_not_fit_are_refused(inbox: Inbox) -> None:
    base = {"teamspace_id": "ts-1", "key": "plan", "name": "Plan"}
    for body in (
        {**base, "type": "dropdown"},
        {**base, "type": "dropdown", "options": []},
        {**base, "type": "dropdown", "options": ["gold", "GOLD"]},
        {**base, "type": "text", "options": ["gold"]},
    ):
        assert error(await inbox.call("admin", "POST", "/v1/custom-fields", body)) == (
            422,
            "invalid_field_definition",
        )
    made = await inbox.make(
        "admin", "custom-fields", {**base, "type": "dropdown", "options": ["gold"], "default": "gold"}
    )
    dropped = await inbox.call("admin", "PATCH", f"/v1/custom-fields/{made['id']}", {"options": ["silver"]})
    assert error(dropped) == (422, "invalid_field_definition")
    assert (await inbox.listed("admin", "custom-fields"))["items"] == [made]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("tags", {"name": "No teamspace"}),
        ("tags", {"teamspace_id": "ts-1", "name": ""}),
        ("tags", {"teamspace_id": "ts-1", "name": "x" * 101}),
        ("tags", {"teamspace_id": "ts-1", "name": "VIP", "colour": "red"}),
        ("tags", {"teamspace_id": "ts-1", "name": "VIP", "unknown": 1}),
        ("tags", {"teamspace_id": "ts-1", "name": ["VIP"]}),
        ("tag-groups", {"teamspace_id": "ts-1"}),
        ("custom-fields", {"teamspace_id": "ts-1", "key": "Bad Key", "name": "X", "type": "text"}),
        ("custom-fields", {"teamspace_id": "ts-1", "key": "x", "name": "X", "type": "colour"}),
        ("custom-fields", {"teamspace_id": "ts-1", "key": "x", "name": "X", "type": "text", "default": [1]}),
        ("canned-replies", {"teamspace_id": "ts-1", "shortcut": "Say Hi", "title": "Hi", "body": "Hi"}),
        ("canned-replies", {"teamspace_id": "ts-1", "shortcut": "x" * 33, "title": "Hi", "body": "Hi"}),
        ("canned-replies", {"teamspace_id": "ts-1", "shortcut": "hi", "title": "Hi", "body": "x" * 5001}),
        (
            "canned-replies",
            {"teamspace_id": "ts-1", "shortcut": "hi", "title": "Hi", "body": "Hi {{person name}}"},
        ),
        ("canned-replies", {"teamspace_id": "ts-1", "shortcut": "hi", "title": "", "body": "Hi"}),
        ("aliases", {"teamspace_id": "ts-1", "name": "A", "avatar_url": "javascript:alert(1)"}),
        ("aliases", {"teamspace_id": "ts-1", "name": "A", "avatar_url": "data:image/png;base64,AAAA"}),
        ("aliases", {"teamspace_id": "ts-1", "name": "A", "avatar_url": "ftp://cdn.example/a.png"}),
    ],
)
async def test_bad_bodies_are_422_and_store_nothing(inbox: Inbox, kind: str, body: dict[str, Any]) -> None:
    refused = await inbox.call("admin", "POST", f"/v1/{kind}", body)
    assert error(refused) == (422, "validation_failed"), refused.text
    assert set(refused.json()["error"]) >= {"code", "message"}
    assert await inbox.totals() == dict.fromkeys(KINDS, 0)


async def test_bad_changes_are_422_and_change_nothing(inbox: Inbox) -> None:
    made = {kind: await inbox.make("admin", kind, body) for kind, body in one_of_each().items()}
    bad = {
        "tags": [{"name": None}, {"teamspace_id": "ts-2"}, {"colour": "blue"}],
        "tag-groups": [{"name": ""}, {"id": "other"}],
        "custom-fields": [{"name": None}, {"options": None}, {"options": [""]}],
        "canned-replies": [{"shortcut": "No Spaces"}, {"body": "{{unclosed"}, {"body": None}],
        "aliases": [{"avatar_url": "javascript:x"}, {"name": None}],
    }
    for kind, changes in bad.items():
        for change in changes:
            refused = await inbox.call("admin", "PATCH", f"/v1/{kind}/{made[kind]['id']}", change)
            assert error(refused) == (422, "validation_failed"), (kind, change, refused.text)
        assert (await inbox.listed("admin", kind))["items"] == [made[kind]]
    assert error(await inbox.call("admin", "GET", "/v1/tags", teamspace_id="x" * 65)) == (
        422,
        "validation_failed",
    )
    malformed = await inbox.http.post("/v1/tags", headers=inbox.headers("admin"), content=b"{not json")
    assert error(malformed) == (400, "invalid_json")


# --- the settings permission ------------------------------------------------------------------


async def test_agents_read_but_only_the_settings_permission_changes(inbox: Inbox) -> None:
    made = {kind: await inbox.make("admin", kind, body) for kind, body in one_of_each().items()}
    for who in ("agent", "exporter"):
        for kind in KINDS:
            assert (await inbox.listed(who, kind))["items"] == [made[kind]]
            item = made[kind]["id"]
            for method, path, body in (
                ("POST", f"/v1/{kind}", one_of_each("ts-9")[kind]),
                ("PATCH", f"/v1/{kind}/{item}", A_CHANGE[kind]),
                ("DELETE", f"/v1/{kind}/{item}", None),
                ("PATCH", f"/v1/{kind}/no-such-id", A_CHANGE[kind]),
            ):
                refused = await inbox.call(who, method, path, body)
                assert error(refused) == (403, "forbidden"), (who, method, path, refused.text)
    assert await inbox.totals() == dict.fromkeys(KINDS, 1)
    for kind in KINDS:
        assert (await inbox.listed("admin", kind))["items"] == [made[kind]]

    for who, teamspace in (("granted", "ts-7"), ("supervisor", "ts-8")):
        mine = {kind: await inbox.make(who, kind, body) for kind, body in one_of_each(teamspace).items()}
        for kind, item in mine.items():
            changed = await inbox.call(who, "PATCH", f"/v1/{kind}/{item['id']}", A_CHANGE[kind])
            assert changed.status_code == 200, (who, kind, changed.text)
            assert (await inbox.call(who, "DELETE", f"/v1/{kind}/{item['id']}")).status_code == 204
    assert await inbox.totals() == dict.fromkeys(KINDS, 1)


async def test_a_deactivated_or_anonymous_caller_is_refused(inbox: Inbox) -> None:
    for kind in KINDS:
        assert error(await inbox.call("deactivated", "GET", f"/v1/{kind}")) == (401, "invalid_token")
        assert error(await inbox.call("deactivated", "POST", f"/v1/{kind}", one_of_each()[kind])) == (
            401,
            "invalid_token",
        )
        assert error(await inbox.http.get(f"/v1/{kind}")) == (401, "unauthorized")
    assert await inbox.totals() == dict.fromkeys(KINDS, 0)


# --- workspaces -------------------------------------------------------------------------------


async def test_another_workspaces_settings_do_not_exist(inbox: Inbox) -> None:
    made = {kind: await inbox.make("admin", kind, body) for kind, body in one_of_each().items()}
    for kind in KINDS:
        assert (await inbox.listed("foreign", kind)) == {"items": [], "total": 0, "page": 1, "page_size": 200}
        assert (await inbox.listed("foreign", kind, teamspace_id="ts-1"))["total"] == 0
        item = made[kind]["id"]
        assert error(await inbox.call("foreign", "PATCH", f"/v1/{kind}/{item}", A_CHANGE[kind])) == (
            404,
            "not_found",
        )
        assert error(await inbox.call("foreign", "DELETE", f"/v1/{kind}/{item}")) == (404, "not_found")
    moved = await inbox.call(
        "foreign", "PATCH", f"/v1/tags/{made['tags']['id']}", {"group_id": made["tag-groups"]["id"]}
    )
    assert error(moved) == (404, "not_found")
    for kind in KINDS:
        assert (await inbox.listed("admin", kind))["items"] == [made[kind]]

    # The same names in the other workspace are theirs alone.
    theirs = {kind: await inbox.make("foreign", kind, body) for kind, body in one_of_each().items()}
    for kind in KINDS:
        assert [i["id"] for i in (await inbox.listed("foreign", kind))["items"]] == [theirs[kind]["id"]]
        assert theirs[kind]["workspace_id"] == ELSEWHERE
    assert await inbox.totals() == dict.fromkeys(KINDS, 1)


# --- the ports other features read the catalog through ----------------------------------------


async def test_the_ports_read_within_one_workspace(inbox: Inbox) -> None:
    catalog = inbox.app.state.catalog
    vip = await inbox.make("admin", "tags", {"teamspace_id": "ts-1", "name": "VIP"})
    churn = await inbox.make("admin", "tags", {"teamspace_id": "ts-2", "name": "Churn"})
    foreign = await inbox.make("foreign", "tags", {"teamspace_id": "ts-1", "name": "VIP"})
    found = await catalog.tags.tags_by_ids(WS, [churn["id"], "nope", vip["id"], foreign["id"], churn["id"]])
    assert [t.id for t in found] == [churn["id"], vip["id"]]
    assert await catalog.tags.tags_by_ids(ELSEWHERE, [vip["id"]]) == []

    plan = await inbox.make(
        "admin", "custom-fields", {"teamspace_id": "ts-1", "key": "plan", "name": "Plan", "type": "text"}
    )
    await inbox.make(
        "admin", "custom-fields", {"teamspace_id": "ts-2", "key": "plan", "name": "Plan", "type": "text"}
    )
    definitions = await catalog.fields.field_definitions(WS, "ts-1")
    assert [d.id for d in definitions] == [plan["id"]]
    assert await catalog.fields.field_definitions(ELSEWHERE, "ts-1") == []

    alias = await inbox.make("admin", "aliases", {"teamspace_id": "ts-1", "name": "Support"})
    assert (await catalog.aliases.alias(WS, alias["id"])).name == "Support"
    assert await catalog.aliases.alias(ELSEWHERE, alias["id"]) is None

    hello = await inbox.make(
        "admin", "canned-replies", {"teamspace_id": "ts-1", "shortcut": "hello", "title": "Hi", "body": "Hi!"}
    )
    assert (await catalog.canned_replies.canned_reply_by_shortcut(WS, "ts-1", "hello")).id == hello["id"]
    assert await catalog.canned_replies.canned_reply_by_shortcut(WS, "ts-2", "hello") is None
    assert await catalog.canned_replies.canned_reply_by_shortcut(ELSEWHERE, "ts-1", "hello") is None
