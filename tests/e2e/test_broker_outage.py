"""A broker outage: the edge refuses (503) what it cannot hand over durably, and every service
reconnects by itself when the broker is back, with nothing lost on the way."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from livechat_dev.testing import TcpProxy, eventually

from .conftest import auth, running_stack


@pytest.fixture
async def proxied(amqp_url: str, mongo_url: str, tmp_path):
    parts = urlsplit(amqp_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672)
    await proxy.start()
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    through_proxy = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    stack_cm = running_stack(through_proxy, mongo_url, tmp_path)
    suite = await asyncio.to_thread(stack_cm.__enter__)
    try:
        yield suite, proxy
    finally:
        await proxy.start()  # let the services stop cleanly and the topology be removed
        await asyncio.to_thread(stack_cm.__exit__, None, None, None)
        await proxy.cut()


async def test_broker_outage_gives_503_then_everything_recovers(proxied) -> None:
    stack, proxy = proxied
    workspace = await asyncio.to_thread(stack.cli, "bootstrap", "--workspace", "Outage")
    ingest, inbox, app = stack.url("ingest"), stack.url("inbox"), workspace["app_id"]
    admin = auth(workspace["token"])
    async with httpx.AsyncClient(timeout=30) as http:
        session = (await http.post(f"{ingest}/v1/webchat/{app}/sessions", json={"name": "Eve"})).json()
        person = auth(session["session_token"])
        before = await http.post(
            f"{ingest}/v1/webchat/{app}/messages",
            headers=person,
            json={"text": "before", "client_message_id": "b"},
        )
        assert before.status_code == 202
        credentials = {"bot_token": "1:x", "secret_token": "outage-secret"}
        bot = await http.post(
            f"{ingest}/v1/apps",
            headers=admin,
            json={
                "teamspace_id": workspace["teamspace_id"],
                "channel": "telegram",
                "name": "Bot",
                "credentials": credentials,
            },
        )
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "from": {"id": 7, "first_name": "Tom"},
                "chat": {"id": 7},
                "date": 1,
                "text": "via telegram",
            },
        }
        webhook = f"{ingest}/v1/webhooks/telegram/{bot.json()['id']}"
        secret = {"X-Telegram-Bot-Api-Secret-Token": "outage-secret"}

        await proxy.cut()
        refused = await http.post(
            f"{ingest}/v1/webchat/{app}/messages",
            headers=person,
            json={"text": "during", "client_message_id": "d"},
        )
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "broker_unavailable"
        ready = await http.get(f"{ingest}/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["broker"] != "ok"
        provider = await http.post(webhook, headers=secret, json=update)  # so the provider retries
        assert provider.status_code == 503 and provider.json()["error"]["code"] == "broker_unavailable"

        await proxy.start()

        async def accepted() -> bool:  # the person's client retries the same message
            again = await http.post(
                f"{ingest}/v1/webchat/{app}/messages",
                headers=person,
                json={"text": "during", "client_message_id": "d"},
            )
            return again.status_code == 202

        await eventually(accepted, within=60)
        retried = await http.post(webhook, headers=secret, json=update)  # the provider's retry
        assert retried.status_code == 200 and retried.json()["accepted"] == 1
        for service in ("ingest", "inbox"):
            await eventually(lambda s=service: _ready(http, stack.url(s)), within=60)

        async def texts() -> list[str] | None:
            chats = (await http.get(f"{inbox}/v1/chats", headers=admin)).json()["items"]
            webchat = [c for c in chats if c["app"]["id"] == app]
            if not webchat:
                return None
            items = (await http.get(f"{inbox}/v1/chats/{webchat[0]['id']}/messages", headers=admin)).json()[
                "items"
            ]
            found = [m["text"] for m in items if m["author"]["type"] == "person"]  # the AI answers too
            return found if len(found) >= 2 else None

        assert await eventually(texts, within=60) == ["before", "during"]

        async def telegram_chat() -> bool:
            chats = (await http.get(f"{inbox}/v1/chats", headers=admin)).json()["items"]
            return any(c["app"]["id"] == bot.json()["id"] for c in chats)

        assert await eventually(telegram_chat, within=60)

        # Replies flow again too: the inbox's outbox and ingest's consumers are back.
        chats = (await http.get(f"{inbox}/v1/chats", headers=admin)).json()["items"]
        chat_id = next(c["id"] for c in chats if c["app"]["id"] == app)
        reply = await http.post(
            f"{inbox}/v1/chats/{chat_id}/messages?takeover=true",
            headers=admin,
            json={"text": "welcome back", "client_message_id": "w"},
        )
        assert reply.status_code == 201

        async def delivered() -> bool:
            items = (await http.get(f"{inbox}/v1/chats/{chat_id}/messages", headers=admin)).json()["items"]
            return any(m["text"] == "welcome back" and m["delivery"] == "sent" for m in items)

        await eventually(delivered, within=60)


async def _ready(http: httpx.AsyncClient, base: str) -> bool:
    return (await http.get(f"{base}/readyz")).status_code == 200
