"""The adapters over an in-process HTTP transport (no network): where each call goes, and how a
provider's answer or silence becomes a message id or a retryable/final failure that never shows a
credential."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from ingest.outbound.adapters import MessengerApi, ProviderApi, TelegramApi, WhatsAppApi
from ingest.outbound.rules import SendFailed

Answer = Callable[[httpx.Request], httpx.Response]


def client(answer: Answer, seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("adapter", "credentials", "answer", "url", "provider_id"),
    [
        (
            WhatsAppApi,
            {"access_token": "wa-token", "phone_number_id": "1055"},
            {"messages": [{"id": "wamid.1"}]},
            "https://graph.test/v21.0/1055/messages",
            "wamid.1",
        ),
        (
            MessengerApi,
            {"page_access_token": "page-token"},
            {"recipient_id": "psid-7", "message_id": "m_1"},
            "https://graph.test/v21.0/me/messages?access_token=page-token",
            "m_1",
        ),
        (
            TelegramApi,
            {"bot_token": "42:abc"},
            {"ok": True, "result": {"message_id": 9}},
            "https://graph.test/v21.0/bot42:abc/sendMessage",
            "psid-7:9",
        ),
    ],
)
async def test_a_message_goes_to_the_providers_url_and_its_id_comes_back(
    adapter: type[ProviderApi],
    credentials: dict[str, str],
    answer: dict[str, Any],
    url: str,
    provider_id: str,
    make_message: Callable[..., Any],
) -> None:
    seen: list[httpx.Request] = []
    async with client(lambda r: httpx.Response(200, json=answer), seen) as http:
        api = adapter(http, "https://graph.test/v21.0/")
        [request] = api.requests(credentials, "psid-7", make_message())
        assert await api.send(request) == provider_id

    [call] = seen
    assert (call.method, str(call.url), json.loads(call.content)) == ("POST", url, request.body)
    if adapter is WhatsAppApi:
        assert call.headers["Authorization"] == "Bearer wa-token"


@pytest.mark.parametrize(
    ("answer", "reason", "retryable"),
    [
        (httpx.ConnectError("refused"), "telegram unreachable (ConnectError)", True),
        (httpx.ReadTimeout("slow"), "telegram unreachable (ReadTimeout)", True),
        (httpx.Response(500, text="<html>oops</html>"), "telegram answered 500: no reason given", True),
        (
            httpx.Response(429, json={"ok": False, "description": "Too Many Requests: retry after 3"}),
            "telegram answered 429: Too Many Requests: retry after 3",
            True,
        ),
        (
            httpx.Response(403, json={"ok": False, "description": "Forbidden: bot was blocked by the user"}),
            "telegram answered 403: Forbidden: bot was blocked by the user",
            False,
        ),
        (httpx.Response(200, json={"ok": True}), "telegram answered 200 without a message id", False),
    ],
)
async def test_failures_say_whether_another_try_may_pass_and_never_show_the_token(
    answer: httpx.Response | Exception, reason: str, retryable: bool, make_message: Callable[..., Any]
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    async with client(reply, []) as http:
        api = TelegramApi(http, "https://telegram.test")
        [request] = api.requests({"bot_token": "42:secret-bot-token"}, "987", make_message())
        with pytest.raises(SendFailed) as info:
            await api.send(request)

    assert (str(info.value), info.value.retryable) == (reason, retryable)
    assert "secret-bot-token" not in str(info.value)
