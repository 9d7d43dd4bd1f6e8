"""An export's ``tag_group`` filter against the inbox's own table, both services in process on the
real broker and database: tags and groups made through the inbox API reach the export service's copy
(``inbox.tag.changed.v1`` on ``export.catalog``), chats tagged in the inbox reach its read model, and
an export filtered by tag group — or ``none`` — holds exactly the chats ``GET /v1/chats`` finds with
the same filter, before and after tags move between groups, a group is deleted and a tag is deleted.
A copy that was lost is filled again when the inbox starts (it announces every tag again)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from export.app import create_app as create_export
from export.settings import Settings as ExportSettings
from inbox.app import create_app as create_inbox
from inbox.inbound.handlers import on_message_received
from inbox.settings import Settings as InboxSettings
from livechat_dev.testing import directory_user, eventually, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import new_id, utcnow
from pymongo.asynchronous.collection import AsyncCollection

WS = "ws-tag-groups"
ADMIN = directory_user("u-admin", WS, "admin", name="Ada")


@dataclass
class Suite:
    """The inbox and the export service, running; the admin's calls to both."""

    inbox_app: Any
    inbox: httpx.AsyncClient
    export_app: Any
    export: httpx.AsyncClient
    settings: InboxSettings
    chats: dict[str, str]
    """Chat name → id."""

    def auth(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + issue_token(self.settings, user_id=ADMIN.id, workspace_id=WS)}

    @property
    def tag_copy(self) -> AsyncCollection[dict[str, Any]]:
        """The export service's copy of the tags (read to wait for it, never written here)."""
        collection: AsyncCollection[dict[str, Any]] = self.export_app.state.runtime.mongo.db["tags"]
        return collection

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.inbox.request(method, path, headers=self.auth(), json=body)
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else None

    async def chat(self, name: str, *tag_ids: str) -> str:
        """A person's chat (their message as the bus would bring it), tagged in the inbox."""
        event = MessageReceivedV1(
            app_id="app-1",
            teamspace_id="ts-1",
            team_ids=["team-1"],
            channel="webchat",
            external_message_id=new_id(),
            person=PersonRef(external_id=f"visitor-{name}", name=name),
            text=f"hello from {name}",
            received_at=utcnow(),
        )
        await on_message_received(self.inbox_app.state.inbound)(Envelope.wrap(event, workspace_id=WS))
        chats = self.inbox_app.state.runtime.mongo.db["chats"]
        chat_id = str((await chats.find_one({"person_external_id": f"visitor-{name}"}))["_id"])
        for tag_id in tag_ids:
            await self.call("POST", f"/v1/chats/{chat_id}/tags", {"tag_id": tag_id})
        self.chats[name] = chat_id
        return chat_id

    async def projected(self, name: str, tags: list[str]) -> None:
        """Wait until the export's read model has the chat with these tags."""

        async def tagged() -> bool:
            response = await self.export.get(
                f"/v1/chats/{self.chats[name]}/transcript", params={"format": "json"}, headers=self.auth()
            )
            return response.status_code == 200 and response.json()["chat"]["tags"] == tags

        await eventually(tagged)

    async def copied(self, expected: dict[str, tuple[str | None, bool]]) -> None:
        """Wait until the export's copy holds each tag in the group (and deleted or not) expected."""

        async def settled() -> bool:
            docs = await self.tag_copy.find({"_id": {"$in": list(expected)}}).to_list()
            return {d["_id"]: (d["group_id"], d["deleted"]) for d in docs} == expected

        await eventually(settled)

    def names(self, ids: list[str]) -> set[str]:
        by_id = {v: k for k, v in self.chats.items()}
        return {by_id[i] for i in ids}

    async def table(self, **params: Any) -> set[str]:
        """The chats the inbox's table finds with these filters."""
        response = await self.inbox.get("/v1/chats", headers=self.auth(), params={**params, "page_size": 200})
        assert response.status_code == 200, response.text
        return self.names([c["id"] for c in response.json()["items"]])

    async def exported(self, filters: dict[str, Any]) -> set[str]:
        """The chats of a CSV export with these filters, run to its end."""
        made = await self.export.post(
            "/v1/exports", headers=self.auth(), json={"format": "csv", "filters": filters}
        )
        assert made.status_code == 202, made.text
        export_id = made.json()["id"]

        async def done() -> dict[str, Any] | None:
            job: dict[str, Any] = (
                await self.export.get(f"/v1/exports/{export_id}", headers=self.auth())
            ).json()
            assert job["status"] not in ("failed", "deleted"), job
            return job if job["status"] == "done" else None

        job = await eventually(done)
        assert job is not None
        assert job["filters"]["tag_group"] == filters.get("tag_group", [])  # as sent, not expanded
        file = await self.export.get(f"/v1/exports/{export_id}/download", headers=self.auth())
        rows = list(csv.DictReader(io.StringIO(file.text)))
        assert job["rows"] == len(rows)
        return self.names([row["id"] for row in rows])

    async def agree(self, tag_group: list[str], expected: set[str], **others: Any) -> None:
        """The export and the inbox's table hold exactly ``expected`` for this filter."""
        assert await self.table(tag_group=tag_group, **others) == expected
        assert await self.exported({"tag_group": tag_group, **others}) == expected


@pytest.fixture
async def suite(env: dict[str, str]) -> AsyncIterator[Suite]:
    inbox_settings = settings_from(InboxSettings, env)
    export_settings = settings_from(ExportSettings, env, export_poll_seconds=0.2)
    await seed_directory(inbox_settings, ADMIN)
    await seed_directory(export_settings, ADMIN)
    inbox_app, export_app = create_inbox(inbox_settings), create_export(export_settings)
    async with running(inbox_app) as inbox, running(export_app) as export:
        yield Suite(inbox_app, inbox, export_app, export, inbox_settings, {})


async def test_an_export_by_tag_group_holds_what_the_table_finds_as_the_groups_change(suite: Suite) -> None:
    billing = (await suite.call("POST", "/v1/tag-groups", {"teamspace_id": "ts-1", "name": "Billing"}))["id"]
    sales = (await suite.call("POST", "/v1/tag-groups", {"teamspace_id": "ts-1", "name": "Sales"}))["id"]
    tags: dict[str, str] = {}
    for name, group_id in (("Refund", billing), ("Invoice", billing), ("Lead", sales), ("Angry", None)):
        body = {"teamspace_id": "ts-1", "name": name, "group_id": group_id}
        tags[name] = (await suite.call("POST", "/v1/tags", body))["id"]
    refund, invoice, lead, angry = (tags[n] for n in ("Refund", "Invoice", "Lead", "Angry"))

    await suite.chat("refund", refund)
    await suite.chat("invoice+angry", invoice, angry)
    await suite.chat("lead", lead)
    await suite.chat("angry", angry)
    await suite.chat("untagged")
    expected_tags = {
        "refund": [refund],
        "invoice+angry": [invoice, angry],
        "lead": [lead],
        "angry": [angry],
        "untagged": [],
    }
    for name, chat_tags in expected_tags.items():  # the read model has every chat with its tags
        await suite.projected(name, chat_tags)
    await suite.copied(
        {refund: (billing, False), invoice: (billing, False), lead: (sales, False), angry: (None, False)}
    )

    await suite.agree([billing], {"refund", "invoice+angry"})
    await suite.agree([billing, sales], {"refund", "invoice+angry", "lead"})  # OR within the field
    await suite.agree(["none"], {"angry", "untagged"})  # no tag of any group
    await suite.agree([sales, "none"], {"lead", "angry", "untagged"})
    await suite.agree([billing], {"invoice+angry"}, tag=[angry])  # AND across fields

    # A tag moved to another group changes what a later export holds.
    await suite.call("PATCH", f"/v1/tags/{invoice}", {"group_id": sales})
    await suite.copied({invoice: (sales, False)})
    await suite.agree([billing], {"refund"})
    await suite.agree([sales], {"invoice+angry", "lead"})

    # Deleting a group ungroups its tags: their chats are in no group any more.
    await suite.call("DELETE", f"/v1/tag-groups/{sales}")
    await suite.copied({invoice: (None, False), lead: (None, False)})
    await suite.agree([sales], set())
    await suite.agree(["none"], {"invoice+angry", "lead", "angry", "untagged"})

    # A deleted tag is in no group (its chats keep it, as in the inbox).
    await suite.call("DELETE", f"/v1/tags/{refund}")
    await suite.copied({refund: (None, True)})
    await suite.agree([billing], set())
    await suite.agree(["none"], {"refund", "invoice+angry", "lead", "angry", "untagged"})


async def test_a_lost_copy_is_filled_again_when_the_inbox_starts(suite: Suite) -> None:
    group = (await suite.call("POST", "/v1/tag-groups", {"teamspace_id": "ts-1", "name": "Billing"}))["id"]
    grouped = await suite.call("POST", "/v1/tags", {"teamspace_id": "ts-1", "name": "VIP", "group_id": group})
    loose = (await suite.call("POST", "/v1/tags", {"teamspace_id": "ts-1", "name": "Bug"}))["id"]
    moved = await suite.call("PATCH", f"/v1/tags/{grouped['id']}", {"name": "V.I.P."})
    assert moved["version"] == 2
    await suite.chat("vip", grouped["id"])
    await suite.chat("bug", loose)
    await suite.copied({grouped["id"]: (group, False), loose: (None, False)})

    await suite.tag_copy.delete_many({})  # the copy is lost
    assert await suite.exported({"tag_group": [group]}) == set()  # the export knows no grouped tag

    async with running(create_inbox(suite.settings)):  # another inbox replica starts
        await suite.copied({grouped["id"]: (group, False), loose: (None, False)})
    stored = await suite.tag_copy.find_one({"_id": grouped["id"]})
    assert stored is not None
    assert (stored["name"], stored["version"]) == ("V.I.P.", 2)  # as it is now, at its version
    await suite.agree([group], {"vip"})
    await suite.agree(["none"], {"bug"})
