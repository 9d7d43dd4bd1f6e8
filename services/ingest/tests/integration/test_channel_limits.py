"""Abuse limits on the provider channels (real broker and database): a person past their limit has
their further messages dropped and counted while the delivery's other people go through; past the
app's limit a delivery is refused with 429 and Retry-After, so the provider delivers it again."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning")
Bearer = Callable[[str], dict[str, str]]
Serve = Callable[..., contextlib.AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient, str]]]

SECRET = "limits-app-secret"


def delivery(*messages: tuple[str, str]) -> bytes:
    """A WhatsApp delivery of ``(person's number, message id)`` messages."""
    value = {
        "messaging_product": "whatsapp",
        "contacts": [{"profile": {"name": "X"}, "wa_id": who} for who, _ in messages],
        "messages": [
            {"from": who, "id": mid, "timestamp": "1700000000", "type": "text", "text": {"body": "hi"}}
            for who, mid in messages
        ],
    }
    payload = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}
    return json.dumps(payload).encode()


async def post(http: httpx.AsyncClient, path: str, body: bytes) -> httpx.Response:
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return await http.post(path, content=body, headers={"X-Hub-Signature-256": signature})


async def test_a_person_past_their_limit_is_dropped_and_an_app_past_its_limit_gets_429(
    serve: Serve, bearer: Bearer, fresh_window: Callable[[], Awaitable[None]]
) -> None:
    limits = {"rate_messages_per_visitor_per_minute": 2, "rate_messages_per_app_per_minute": 4}
    async with serve(**limits) as (_, http, _address):
        credentials = {"app_secret": SECRET, "verify_token": "v", "access_token": "a", "phone_number_id": "1"}
        body: dict[str, Any] = {
            "teamspace_id": "ts-1",
            "channel": "whatsapp",
            "name": "WA",
            "credentials": credentials,
        }
        app = (await http.post("/v1/apps", headers=bearer("admin"), json=body)).json()
        path = f"/v1/webhooks/whatsapp/{app['id']}"
        await fresh_window()

        first = await post(http, path, delivery(("111", "m1"), ("111", "m2"), ("111", "m3"), ("222", "m4")))
        assert first.status_code == 200
        assert (first.json()["accepted"], first.json()["limited"]) == (3, 1)  # 111's third is dropped

        refused = await post(http, path, delivery(("333", "m5"), ("333", "m6")))
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "messages on this app" in refused.json()["error"]["message"]
