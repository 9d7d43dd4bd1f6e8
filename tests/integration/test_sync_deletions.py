"""``GET /v1/sync`` after a deletion (real broker and database): a client that missed the
``chat.deleted`` frame learns from its cursor which chats it could see are gone — once, in the
same order as the changes, and only those it could see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import new_id, utcnow

from .conftest import WS, LiveInbox

EPOCH = "1970-01-01T00:00:00Z"


async def write_in_team(inbox: LiveInbox, visitor: str, team_id: str) -> str:
    """A person's first message in a chat of ``team_id``; the chat's id."""
    event = MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        team_ids=[team_id],
        channel="webchat",
        external_message_id=new_id(),
        person=PersonRef(external_id=visitor),
        text="hello from another team",
        received_at=utcnow(),
    )
    stored = await inbox.app.state.inbound.receive(Envelope.wrap(event, workspace_id=WS), event)
    assert stored is not None
    return str(stored.chat_id)


async def sync(
    inbox: LiveInbox, user: str, since: str, limit: int = 200, workspace: str = WS
) -> dict[str, Any]:
    response = await inbox.client.get(
        "/v1/sync", headers=inbox.auth(user, workspace), params={"since": since, "limit": limit}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [c["id"] for c in page["items"]]


async def test_a_sync_from_a_cursor_before_a_deletion_reports_it_to_whoever_could_see_the_chat(
    live_inbox: LiveInbox,
) -> None:
    inbox = live_inbox
    ours, theirs = inbox.chat_id, await write_in_team(inbox, "visitor-0009", "team-9")

    # Each agent's client has synced: u-agent (team-1) holds our chat, u-outsider (team-9) theirs.
    agent_before = await sync(inbox, "u-agent", EPOCH)
    outsider_before = await sync(inbox, "u-outsider", EPOCH)
    assert (ids(agent_before), ids(outsider_before)) == ([ours], [theirs])
    assert agent_before["deleted"] == [] and outsider_before["deleted"] == []

    deleted = await inbox.client.post(
        "/v1/chats/bulk-delete", headers=inbox.auth("u-admin"), json={"chat_ids": [ours, theirs]}
    )
    assert deleted.json() == {"deleted": 2, "not_found": []}, deleted.text

    # Each learns of the chat they could see, and only of that one.
    agent_after = await sync(inbox, "u-agent", agent_before["cursor"])
    assert (agent_after["items"], agent_after["deleted"], agent_after["more"]) == ([], [ours], False)
    outsider_after = await sync(inbox, "u-outsider", outsider_before["cursor"])
    assert (outsider_after["items"], outsider_after["deleted"]) == ([], [theirs])
    supervisor = await sync(inbox, "u-sup", EPOCH)  # team-1's supervisor: ours only
    assert supervisor["deleted"] == [ours]
    admin = await sync(inbox, "u-admin", EPOCH)  # the workspace's admin: both
    assert sorted(admin["deleted"]) == sorted([ours, theirs]) and admin["items"] == []
    other_workspace = await sync(inbox, "u-other", EPOCH, workspace="ws-other")
    assert other_workspace["deleted"] == []

    # From the cursor the page gave, or from a time after the deletion, it is not repeated.
    again = await sync(inbox, "u-agent", agent_after["cursor"])
    assert (again["items"], again["deleted"]) == ([], [])
    assert again["cursor"] == agent_after["cursor"]
    later = await sync(inbox, "u-agent", (datetime.now(UTC) + timedelta(seconds=1)).isoformat())
    assert later["deleted"] == []

    # A chat that changes after the deletion comes after it, page by page from the old cursor.
    await inbox.person_writes("a new question", visitor="visitor-0002")
    first = await sync(inbox, "u-agent", agent_before["cursor"], limit=1)
    assert (first["items"], first["deleted"], first["more"]) == ([], [ours], True)
    second = await sync(inbox, "u-agent", first["cursor"], limit=1)
    [new_chat] = second["items"]
    assert second["deleted"] == [] and new_chat["id"] not in (ours, theirs)
    assert (await sync(inbox, "u-agent", second["cursor"]))["items"] == []


async def test_a_tombstone_holds_no_content_and_expires_after_the_retention(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    deleted = await inbox.client.post(
        "/v1/chats/bulk-delete", headers=inbox.auth("u-admin"), json={"chat_ids": [inbox.chat_id]}
    )
    assert deleted.json()["deleted"] == 1
    db = inbox.app.state.runtime.mongo.db
    stone = await db["chat_tombstones"].find_one({"_id": inbox.chat_id})
    assert stone is not None
    assert set(stone) == {"_id", "workspace_id", "assignee_id", "team_ids", "deleted_at", "expire_at"}
    assert (stone["workspace_id"], stone["assignee_id"], stone["team_ids"]) == (WS, None, ["team-1"])
    retention = timedelta(seconds=inbox.settings.tombstone_seconds)
    assert retention == timedelta(days=30)  # the default
    assert stone["expire_at"] - stone["deleted_at"] == retention
    ttl = [
        i for i in await (await db["chat_tombstones"].list_indexes()).to_list() if "expireAfterSeconds" in i
    ]
    assert [(dict(i["key"]), i["expireAfterSeconds"]) for i in ttl] == [({"expire_at": 1}, 0)]
