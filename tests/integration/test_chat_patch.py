"""Changing a chat over HTTP (real broker and database): description, status and custom fields,
If-Match, the status rules (resolve needs tags, a person's message reopens, closing hands the chat to
the AI and announces it), and refusals that change nothing."""

from __future__ import annotations

import asyncio

import aio_pika
import httpx
import pytest
from livechat_dev.testing import eventually
from livechat_shared.contracts import ChatClosedV1, Envelope
from livechat_shared.ids import new_id

from .conftest import WS
from .conftest import LiveInbox as Inbox


@pytest.fixture
def inbox(live_inbox: Inbox) -> Inbox:
    return live_inbox


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def test_description_with_if_match_and_a_stale_version(inbox: Inbox) -> None:
    before = await inbox.chat()
    changed = await inbox.patch(
        "u-agent", {"description": "Wants a refund"}, **{"If-Match": str(before["version"])}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["description"], changed.json()["version"]) == (
        "Wants a refund",
        before["version"] + 1,
    )
    stale = await inbox.patch(
        "u-agent", {"description": "Something else"}, **{"If-Match": f'"{before["version"]}"'}
    )
    assert error(stale) == (412, "version_mismatch")
    assert error(await inbox.patch("u-agent", {"description": "x"}, **{"If-Match": "latest"})) == (
        400,
        "invalid_if_match",
    )
    after = await inbox.chat()
    assert (after["description"], after["version"]) == ("Wants a refund", before["version"] + 1)


async def test_two_changes_from_the_same_version_one_wins(inbox: Inbox) -> None:
    version = str((await inbox.chat())["version"])
    answers = await asyncio.gather(
        inbox.patch("u-agent", {"description": "first"}, **{"If-Match": version}),
        inbox.patch("u-admin", {"description": "second"}, **{"If-Match": version}),
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    winner = next(a for a in answers if a.status_code == 200).json()["description"]
    assert (await inbox.chat())["description"] == winner


async def test_closing_hands_the_chat_to_the_ai_and_announces_it(inbox: Inbox) -> None:
    connection = await aio_pika.connect(inbox.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(inbox.settings.exchange)
        probe = await channel.declare_queue(f"{inbox.settings.queue_prefix}probe-{new_id()}", exclusive=True)
        await probe.bind(exchange, routing_key=ChatClosedV1.routing_key())
        await inbox.patch("u-agent", {"status": "open"})  # no change: nothing announced
        closed = await inbox.patch("u-agent", {"status": "closed"})
        assert closed.status_code == 200
        assert (closed.json()["status"], closed.json()["mode"]) == ("closed", "ai")
        message = await eventually(lambda: probe.get(no_ack=True, fail=False))
    event = Envelope.model_validate_json(message.body)
    payload = event.open(ChatClosedV1)
    assert event.chat_id == inbox.chat_id
    assert (payload.closed_by, payload.chat_version, payload.person_external_id) == (
        "u-agent",
        closed.json()["version"],
        "visitor-0001",
    )


async def test_a_persons_message_reopens_a_resolved_chat(inbox: Inbox) -> None:
    resolved = await inbox.patch("u-agent", {"status": "resolved"})
    assert resolved.json()["status"] == "resolved"
    await inbox.person_writes("one more thing")
    reopened = await inbox.chat()
    assert reopened["status"] == "open" and reopened["version"] == resolved.json()["version"] + 1
    await inbox.person_writes("and another")  # an open chat stays open
    assert (await inbox.chat())["status"] == "open"


async def test_resolving_needs_the_teamspaces_minimum_tags(inbox: Inbox) -> None:
    await inbox.app.state.runtime.mongo.db["teamspace_policies"].insert_one(
        {"_id": "ts-1", "workspace_id": WS, "min_tags_to_resolve": 2}
    )
    before = await inbox.chat()
    refused = await inbox.patch("u-agent", {"status": "resolved", "description": "done"})
    assert error(refused) == (422, "tags_required")
    assert "needs 2 tag(s)" in refused.json()["error"]["message"]
    assert await inbox.chat() == before  # nothing of the change was applied


@pytest.mark.parametrize(
    ("user", "body", "expected"),
    [
        ("u-outsider", {"description": "x"}, (404, "not_found")),
        ("u-agent", {"status": "overdue"}, (422, "invalid_status")),
        ("u-agent", {"status": "archived"}, (422, "validation_failed")),
        ("u-agent", {"custom_fields": {"colour": "red"}}, (422, "unknown_field")),
        ("u-agent", {"description": "x" * 2001}, (422, "validation_failed")),
        ("u-agent", {"assignee_id": "u-agent"}, (422, "validation_failed")),
        ("u-agent", {"description": 5}, (422, "validation_failed")),
    ],
)
async def test_refusals_change_nothing(
    inbox: Inbox, user: str, body: dict, expected: tuple[int, str]
) -> None:
    before = await inbox.chat()
    assert error(await inbox.patch(user, body)) == expected
    assert await inbox.chat() == before


async def test_custom_fields_follow_the_teamspaces_definitions(inbox: Inbox) -> None:
    for field in (
        {"teamspace_id": "ts-1", "key": "priority", "name": "Priority", "type": "number"},
        {
            "teamspace_id": "ts-1",
            "key": "plan",
            "name": "Plan",
            "type": "dropdown",
            "options": ["free", "pro"],
        },
        {"teamspace_id": "ts-9", "key": "elsewhere", "name": "Elsewhere", "type": "text"},
    ):
        made = await inbox.client.post("/v1/custom-fields", headers=inbox.auth("u-admin"), json=field)
        assert made.status_code == 201, made.text
    changed = await inbox.patch("u-agent", {"custom_fields": {"priority": 2, "plan": "pro"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["custom_fields"] == {"priority": 2, "plan": "pro"}
    cleared = await inbox.patch("u-agent", {"custom_fields": {"plan": None}})
    assert cleared.json()["custom_fields"] == {"priority": 2}
    before = await inbox.chat()
    for values, code in (
        ({"priority": "high"}, "invalid_field_value"),
        ({"plan": "enterprise"}, "invalid_field_value"),
        ({"elsewhere": "x"}, "unknown_field"),  # another teamspace's field
        ({"priority": 3, "nope": 1}, "unknown_field"),
    ):
        assert error(await inbox.patch("u-agent", {"custom_fields": values})) == (422, code)
    assert await inbox.chat() == before
