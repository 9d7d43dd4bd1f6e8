"""Chats stored before they had search terms and facets (real broker and database) are rebuilt in
the background when the inbox starts, and then found in the table; two replicas backfilling at the
same moment store the same index."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from inbox.app import create_app
from inbox.core.models import Chat, Message
from inbox.settings import Settings
from livechat_dev.testing import directory_user, eventually, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import AppRef, Author
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from .conftest import WS

CREATED = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


def old_chat(n: int, word: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A chat (team-1's, unassigned) and its first message as a version before facets stored them."""
    chat = Chat.model_validate(
        {
            "_id": f"old-chat-{n:03d}",
            "workspace_id": WS,
            "teamspace_id": "ts-1",
            "app_id": "app-1",
            "app": AppRef(id="app-1", channel="webchat", name="Web"),
            "person_id": f"p-{n}",
            "person": {"id": f"p-{n}", "name": f"Person {n}"},
            "person_external_id": f"visitor-{n}",
            "current": False,
            "mode": "live",
            "status": "open",
            "team_ids": ["team-1"],
            "created_at": CREATED,
            "updated_at": CREATED,
            "version": 3,
            "next_seq": 1,
        }
    )
    message = Message(
        id=f"old-message-{n:03d}",
        workspace_id=WS,
        chat_id=chat.id,
        seq=1,
        author=Author(type="person", id=f"p-{n}"),
        text=f"my {word} never arrived",
        created_at=CREATED,
    )
    return chat.model_dump(by_alias=True, exclude={"facets", "terms", "message_terms"}), message.to_doc()


async def test_chats_stored_without_search_terms_are_rebuilt_in_the_background_at_start(
    env: dict[str, str],
) -> None:
    settings = settings_from(Settings, env)
    await seed_directory(
        settings,
        directory_user("u-admin", WS, "admin", name="Ada"),
        directory_user("u-agent", WS, "agent", team_ids=("team-1",), name="Ana"),
    )
    stored = [old_chat(n, "parcel" if n == 0 else f"order{n}") for n in range(40)]
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_url, tz_aware=True)
    db = mongo[settings.database_name]
    try:
        await db["chats"].insert_many([chat for chat, _message in stored])
        await db["messages"].insert_many([message for _chat, message in stored])
        assert await db["chats"].count_documents({"facets": {"$exists": True}}) == 0

        def auth(user: str) -> dict[str, str]:
            return {"Authorization": "Bearer " + issue_token(settings, user_id=user, workspace_id=WS)}

        async def found(client: httpx.AsyncClient, user: str, **params: str) -> list[str]:
            page = await client.get("/v1/chats", headers=auth(user), params={**params, "page_size": "200"})
            assert page.status_code == 200, page.text
            return [c["id"] for c in page.json()["items"]]

        # Two replicas start on the same database, each running the backfill in the background.
        first, second = create_app(settings), create_app(settings)
        async with running(first) as client, running(second):

            async def parcel_found() -> bool:
                return await found(client, "u-admin", q="parcel") == ["old-chat-000"]

            await eventually(parcel_found)
            await eventually(lambda: none_left(db))
            assert len(await found(client, "u-agent")) == 40  # the agent's list: team-1's pool
            assert await found(client, "u-agent", q="order39") == ["old-chat-039"]
            index = {d["_id"]: d async for d in db["chats"].find({}, {"facets": 1, "terms": 1})}

            # Both replicas backfilling the same chats at the same moment store the same index.
            await db["chats"].update_many({}, {"$unset": {"facets": "", "terms": "", "message_terms": ""}})
            both = await asyncio.gather(first.state.search.backfill(), second.state.search.backfill())
            assert sum(both) >= 40 and await none_left(db)
            assert {d["_id"]: d async for d in db["chats"].find({}, {"facets": 1, "terms": 1})} == index
            assert await first.state.search.backfill() == 0  # nothing left to do

        rebuilt = await db["chats"].find_one({"_id": "old-chat-000"})
        assert rebuilt is not None
        assert rebuilt["version"] == 3  # nothing agents see changed
        assert rebuilt["message_terms"] == ["my", "parcel", "never", "arrived"]
        assert "pool:team-1" in rebuilt["facets"]
    finally:
        await mongo.close()


async def none_left(db: AsyncDatabase[dict[str, Any]]) -> bool:
    return await db["chats"].count_documents({"facets": None}) == 0
