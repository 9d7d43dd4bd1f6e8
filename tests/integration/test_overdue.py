"""The overdue rule over the real database, driven by an explicit clock (no sleeps): a livechat whose
person waited past the teamspace's reply-time limit becomes overdue; an agent's reply clears it."""

from __future__ import annotations

from datetime import timedelta

from livechat_shared.ids import utcnow

from .conftest import WS, LiveInbox


async def reply(inbox: LiveInbox, text: str) -> None:
    sent = await inbox.client.post(
        f"/v1/chats/{inbox.chat_id}/messages",
        headers=inbox.auth("u-agent"),
        json={"text": text, "client_message_id": text},
    )
    assert sent.status_code == 201, sent.text


async def test_waiting_past_the_limit_makes_a_livechat_overdue_until_an_agent_answers(
    live_inbox: LiveInbox,
) -> None:
    inbox = live_inbox
    sweep = inbox.app.state.overdue.sweep
    await inbox.app.state.runtime.mongo.db["teamspace_policies"].insert_one(
        {"_id": "ts-1", "workspace_id": WS, "overdue_after_seconds": 60}
    )
    assert await sweep(utcnow() + timedelta(hours=1)) == 0  # an AI chat is never overdue

    await reply(inbox, "Hi, Ana here")  # a livechat now, answered
    assert await sweep(utcnow() + timedelta(hours=1)) == 0
    written = utcnow()
    await inbox.person_writes("still there?")
    await inbox.person_writes("hello??")  # the wait counts from the first unanswered message
    assert await sweep(written + timedelta(seconds=30)) == 0
    assert (await inbox.chat())["status"] == "open"
    before = (await inbox.chat())["version"]

    assert await sweep(written + timedelta(seconds=61)) == 1
    overdue = await inbox.chat()
    assert (overdue["status"], overdue["version"]) == ("overdue", before + 1)
    assert await sweep(written + timedelta(seconds=120)) == 0  # marked once

    await reply(inbox, "Sorry for the wait")
    answered = await inbox.chat()
    assert answered["status"] == "open"
    assert await sweep(utcnow() + timedelta(hours=1)) == 0  # answered: nobody waits


async def test_no_limit_and_closed_chats_are_never_overdue(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    sweep = inbox.app.state.overdue.sweep
    await reply(inbox, "Hi")
    await inbox.person_writes("question")
    assert await sweep(utcnow() + timedelta(days=30)) == 0  # the teamspace has no reply-time limit
    await inbox.app.state.runtime.mongo.db["teamspace_policies"].insert_one(
        {"_id": "ts-1", "workspace_id": WS, "overdue_after_seconds": 60}
    )
    closed = await inbox.patch("u-agent", {"status": "closed"})
    assert closed.status_code == 200
    assert await sweep(utcnow() + timedelta(days=30)) == 0


async def test_the_rules_copy_keeps_the_newest_settings_whatever_the_order(live_inbox: LiveInbox) -> None:
    from inbox.chats.handlers import on_teamspace_settings_changed
    from inbox.chats.use_cases import TeamspaceRules
    from livechat_shared.contracts import Envelope, TeamspaceSettings, TeamspaceSettingsChangedV1

    rules = TeamspaceRules(live_inbox.app.state.chats.policies)
    handle = on_teamspace_settings_changed(rules)

    def event(version: int, overdue: int, tags: int) -> Envelope:
        settings = TeamspaceSettings(overdue_after_seconds=overdue, min_tags_to_resolve=tags)
        changed = TeamspaceSettingsChangedV1(teamspace_id="ts-1", settings=settings, version=version)
        return Envelope.wrap(changed, workspace_id=WS)

    newer, older = event(2, 90, 3), event(1, 30, 1)
    for envelope in (newer, older, newer):  # out of order and twice
        await handle(envelope)
    policies = live_inbox.app.state.chats.policies
    assert await policies.min_tags_to_resolve(WS, "ts-1") == 3
    assert await policies.reply_time_limits() == [(WS, "ts-1", 90)]
