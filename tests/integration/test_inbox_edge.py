"""The inbox's edge as a client meets it over HTTP (real broker and database): bounded numbers and
dates, bounded travelling headers, refused attachment schemes, security headers, and refused
tokens limited per address."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from inbox.app import create_app
from inbox.inbound.handlers import on_message_received
from inbox.settings import Settings
from livechat_dev.testing import directory_user, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import utcnow

WS = "ws-edge"


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return settings_from(Settings, env, rate_auth_failures_per_minute=5)


@pytest.fixture
async def inbox(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], str]]:
    """The running inbox, an admin's headers and a chat id."""
    await seed_directory(settings, directory_user("u-admin", WS, "admin"))
    admin = {"Authorization": "Bearer " + issue_token(settings, user_id="u-admin", workspace_id=WS)}
    app = create_app(settings)
    async with running(app) as client:
        event = MessageReceivedV1(
            app_id="app-1",
            teamspace_id="ts-1",
            channel="webchat",
            external_message_id="m-1",
            person=PersonRef(external_id="visitor-0001"),
            text="hello",
            received_at=utcnow(),
        )
        await on_message_received(app.state.inbound)(Envelope.wrap(event, workspace_id=WS))
        chat_id = (await client.get("/v1/chats", headers=admin)).json()["items"][0]["id"]
        yield client, admin, chat_id


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/chats/{chat}/messages", {"after_seq": "9223372036854775808"}),
        ("/v1/chats/{chat}/messages", {"after_seq": str(2**53)}),
        ("/v1/chats/{chat}/messages", {"limit": "99999999999999999999"}),
        ("/v1/chats", {"page": "4611686018427387904"}),
        ("/v1/chats", {"page": "100001"}),
        ("/v1/chats", {"page_size": "-1"}),
        ("/v1/sync", {"since": "0001-01-01T00:00:00+14:00"}),
        ("/v1/sync", {"since": "9999-12-31T23:59:59-14:00"}),
        ("/v1/sync", {"since": "1969-12-31T23:59:59Z"}),
        ("/v1/sync", {"since": "2026-01-01T00:00:00Z~" + "x" * 100}),
        ("/v1/sync", {"since": "2026-01-01T00:00:00Z", "limit": "1e9"}),
    ],
)
async def test_huge_numbers_and_dates_are_a_clear_4xx(inbox, path: str, params: dict[str, str]) -> None:
    client, admin, chat_id = inbox
    response = await client.get(path.format(chat=chat_id), headers=admin, params=params)
    assert response.status_code in (400, 422), response.text
    assert error_code(response) in ("validation_failed", "invalid_cursor", "invalid_page")


async def test_the_largest_accepted_values_answer(inbox) -> None:
    client, admin, chat_id = inbox
    assert (
        await client.get(f"/v1/chats/{chat_id}/messages", headers=admin, params={"after_seq": 2**53 - 1})
    ).json()["items"] == []
    assert (await client.get("/v1/chats", headers=admin, params={"page": 100_000})).json()["items"] == []


async def test_an_oversized_correlation_id_is_refused_and_nothing_is_stored(inbox) -> None:
    client, admin, chat_id = inbox
    reply = {"text": "hi", "client_message_id": "r-1"}
    refused = await client.post(
        f"/v1/chats/{chat_id}/messages", headers={**admin, "X-Correlation-Id": "x" * 8000}, json=reply
    )
    assert refused.status_code == 400 and error_code(refused) == "invalid_header"
    history = (await client.get(f"/v1/chats/{chat_id}/messages", headers=admin)).json()
    assert [m["text"] for m in history["items"]] == ["hello"]
    accepted = await client.post(
        f"/v1/chats/{chat_id}/messages", headers={**admin, "X-Correlation-Id": "corr-42"}, json=reply
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x", "ftp://x/y"]
)
async def test_attachment_urls_must_be_http(inbox, url: str) -> None:
    client, admin, chat_id = inbox
    body = {"client_message_id": "a-1", "attachments": [{"url": url, "content_type": "image/png"}]}
    refused = await client.post(f"/v1/chats/{chat_id}/messages", headers=admin, json=body)
    assert refused.status_code == 422 and error_code(refused) == "validation_failed"
    assert (await client.get(f"/v1/chats/{chat_id}/messages", headers=admin)).json()["total"] == 1


async def test_security_headers_on_api_answers(inbox) -> None:
    client, admin, chat_id = inbox
    for response in (
        await client.get(f"/v1/chats/{chat_id}", headers=admin),
        await client.get("/v1/chats/nope", headers=admin),
        await client.get("/v1/chats"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_refused_tokens_are_limited_per_address(inbox, settings: Settings) -> None:
    client, admin, _ = inbox
    unknown_user = {"Authorization": "Bearer " + issue_token(settings, user_id="nobody", workspace_id=WS)}
    codes = [(await client.get("/v1/chats", headers=unknown_user)).status_code for _ in range(5)]
    assert codes == [401] * 5
    garbage = await client.get("/v1/chats", headers={"Authorization": "Bearer not-a-token"})
    assert garbage.status_code == 429 and error_code(garbage) == "rate_limited"
    assert int(garbage.headers["retry-after"]) >= 1
    # the refusals are what is limited: a valid token still works
    assert (await client.get("/v1/chats", headers=admin)).status_code == 200
