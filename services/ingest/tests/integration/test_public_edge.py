"""The public edge of ingest as its users meet it, over HTTP and real WebSockets against the service
running in this process (real broker and database): who may manage apps, proving a webchat visitor,
bad socket frames, bounded parameters, session expiry, rate limits and the demo page."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI
from ingest.core.models import MAX_SAFE_INTEGER
from ingest.webchat.routes import PAGE_CSP
from livechat_dev.testing import eventually
from livechat_shared.auth import issue_token
from livechat_shared.contracts import DirectoryUser, Envelope, MessageView, OutboundRequestedV1, UserChangedV1
from websockets.asyncio.client import ClientConnection

# uvicorn's default WebSocket implementation (as livechat-ingest runs it) uses websockets' legacy API
pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
]
Bearer = Callable[[str], dict[str, str]]
Service = tuple[FastAPI, httpx.AsyncClient]
Serve = Callable[..., contextlib.AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient, str]]]
TEAMSPACE = {"teamspace_id": "ts-1"}


async def webchat_app(http: httpx.AsyncClient, bearer: Bearer) -> dict[str, Any]:
    """A Webchat app made by the admin of ws-1, as its creation answered (with ``identity_secret``)."""
    made = await http.post(
        "/v1/apps", headers=bearer("admin"), json={**TEAMSPACE, "channel": "webchat", "name": "S"}
    )
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


async def start(
    http: httpx.AsyncClient, app_id: str, body: dict[str, Any] | None = None, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post(f"/v1/webchat/{app_id}/sessions", json=body or {}, headers=headers)


def error_of(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return response.status_code, body["error"]["code"]


async def sessions_stored(app: FastAPI) -> int:
    count: int = await app.state.runtime.mongo.db["webchat_sessions"].count_documents({})
    return count


def socket_url(address: str, app_id: str, token: str, after: str | None = None) -> str:
    query = f"token={token}" + (f"&after={after}" if after is not None else "")
    return f"ws://{address}/v1/webchat/{app_id}/ws?{query}"


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[ClientConnection]:
    async with websockets.connect(url, open_timeout=10, max_size=None) as ws:
        yield ws


async def next_frame(ws: ClientConnection, within: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(within):
        frame: dict[str, Any] = json.loads(await ws.recv())
    return frame


async def refused_handshake(url: str) -> websockets.InvalidStatus:
    with pytest.raises(websockets.InvalidStatus) as info:
        async with connected(url):
            pass
    return info.value


def good(client_message_id: str) -> str:
    return json.dumps({"type": "message", "text": "hello", "client_message_id": client_message_id})


def reply(message_id: str, text: str) -> MessageView:
    return MessageView.model_validate(
        {
            "id": message_id,
            "chat_id": "chat-1",
            "seq": 2,
            "author": {"type": "agent", "name": "Ana"},
            "text": text,
            "created_at": datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
        }
    )


# --- the directory copy: tokens are checked against it, fed from the bus ----------------------


async def test_the_directory_copy_follows_the_bus(service: Service, settings: Any) -> None:
    app, http = service
    newcomer = {"Authorization": f"Bearer {issue_token(settings, user_id='u-new', workspace_id='ws-1')}"}
    assert error_of(await http.get("/v1/apps", headers=newcomer)) == (401, "invalid_token")

    async def announce(role: str, version: int) -> None:
        entry = {"id": "u-new", "workspace_id": "ws-1", "role": role, "version": version}
        user = DirectoryUser.model_validate(entry)
        await app.state.runtime.publisher.publish(
            Envelope.wrap(UserChangedV1(user=user), workspace_id="ws-1")
        )

    async def status() -> int:
        return (await http.get("/v1/apps", headers=newcomer)).status_code

    await announce("admin", 1)
    assert await eventually(lambda: _equals(status, 200))
    await announce("agent", 2)  # demoted: takes effect on the next request
    assert await eventually(lambda: _equals(status, 403))


async def _equals(read: Callable[[], Awaitable[int]], expected: int) -> bool:
    return await read() == expected


# --- point 12: channel apps are admin-only ----------------------------------------------------


async def test_channel_apps_are_admin_only_and_secrets_shown_once(service: Service, bearer: Bearer) -> None:
    _, http = service
    made = await webchat_app(http, bearer)
    app_id, secret = made["id"], made["identity_secret"]

    for who in ("supervisor", "agent", "agent+settings"):
        create = await http.post(
            "/v1/apps", headers=bearer(who), json={**TEAMSPACE, "channel": "api", "name": "X"}
        )
        assert error_of(create) == (403, "forbidden"), who
        assert create.json()["error"]["message"] == "channel apps are managed by admins"
        assert error_of(await http.get("/v1/apps", headers=bearer(who))) == (403, "forbidden"), who
        assert error_of(await http.get(f"/v1/apps/{app_id}", headers=bearer(who))) == (404, "not_found"), who
    stranger = bearer("other workspace's admin")
    assert error_of(await http.get(f"/v1/apps/{app_id}", headers=stranger)) == (404, "not_found")
    assert (await http.get("/v1/apps", headers=stranger)).json()["total"] == 0
    gone = bearer("deactivated admin")
    assert error_of(await http.get("/v1/apps", headers=gone)) == (401, "invalid_token")

    admin = bearer("admin")
    read, listed = (
        await http.get(f"/v1/apps/{app_id}", headers=admin),
        await http.get("/v1/apps", headers=admin),
    )
    assert read.status_code == 200 and listed.json()["total"] == 1
    for shown in (read, listed):
        assert secret not in shown.text and "identity_secret" not in shown.text
    assert (
        "identity_secret"
        not in (
            await http.post("/v1/apps", headers=admin, json={**TEAMSPACE, "channel": "api", "name": "A"})
        ).json()
    )

    schema = (await http.get("/openapi.json")).json()["components"]["schemas"]
    assert "HMAC-SHA256" in schema["AppCreated"]["properties"]["identity_secret"]["description"]
    assert "visitor_hash" in schema["SessionCreate"]["properties"]


# --- point 1: a webchat visitor's identity is proven ------------------------------------------


async def test_a_visitor_cannot_be_impersonated_and_a_proven_one_gets_their_conversation(
    serve: Serve, bearer: Bearer
) -> None:
    async with serve() as (app, http, address):
        made = await webchat_app(http, bearer)
        app_id, secret = made["id"], made["identity_secret"]
        victim = (await start(http, app_id, {"name": "Vic"})).json()
        attacker = (await start(http, app_id)).json()
        outbound = OutboundRequestedV1(
            app_id=app_id,
            channel="webchat",
            person_external_id=victim["visitor_id"],
            message=reply("m-1", "hi Vic"),
        )
        await app.state.runtime.publisher.publish(
            Envelope.wrap(outbound, workspace_id="ws-1", chat_id="chat-1")
        )
        before = await sessions_stored(app)

        target = {"visitor_id": victim["visitor_id"]}
        wrong_hash = hmac.new(b"guessed", victim["visitor_id"].encode(), hashlib.sha256).hexdigest()
        attempts = [
            await start(http, app_id, target),
            await start(http, app_id, target, token=attacker["session_token"]),
            await start(http, app_id, target, token="forged-token"),
            await start(http, app_id, {**target, "visitor_hash": wrong_hash}),
            await start(http, app_id, {**target, "name": "Mallory"}, token=attacker["session_token"]),
        ]
        for attempt in attempts:
            assert error_of(attempt) == (403, "visitor_unverified"), attempt.text
        assert await sessions_stored(app) == before  # nothing stored

        # The visitor's own tab proves it with its token: a new session, the same visitor and name...
        again = await start(http, app_id, target, token=victim["session_token"])
        assert again.status_code == 201 and again.json()["visitor_id"] == victim["visitor_id"]
        assert again.json()["session_token"] != victim["session_token"]
        # ...and the conversation comes back on its socket.
        async with connected(socket_url(address, app_id, again.json()["session_token"])) as ws:
            frame = await next_frame(ws)
            assert (frame["type"], frame["cursor"], frame["message"]["text"]) == ("message", 1, "hi Vic")

        # A site passing its own user id signs it with the app's identity secret.
        signed = hmac.new(secret.encode(), b"site-user-42", hashlib.sha256).hexdigest()
        site = await start(http, app_id, {"visitor_id": "site-user-42", "visitor_hash": signed})
        assert site.status_code == 201 and site.json()["visitor_id"] == "site-user-42"


# --- point 11: every bad frame is answered, and the socket keeps listening --------------------


async def test_bad_frames_get_error_frames_and_the_socket_still_acks(serve: Serve, bearer: Bearer) -> None:
    # the server lets frames up to twice the service's limit through, so the service's own check shows
    async with serve(ws_max_size=128 * 1024) as (_, http, address):
        app_id = (await webchat_app(http, bearer))["id"]
        token = (await start(http, app_id)).json()["session_token"]
        async with connected(socket_url(address, app_id, token)) as ws:
            bad: list[tuple[str | bytes, str]] = [
                ("[" * 20_000, "invalid_json"),
                ('{"type": "message", "text": ' + "[" * 5_000 + "]" * 5_000 + "}", "invalid_json"),
                (b"\x00\x01binary", "binary_not_supported"),
                ("{oops", "invalid_json"),
                ('{"type": "message", "text": 1' + "0" * 5_000 + "}", "invalid_json"),
                ("[1, 2]", "unknown_frame"),
                ('{"type": "message", "text": "no id"}', "validation_failed"),
                (good("big")[:-2] + "x" * 80_000 + '"}', "frame_too_large"),
            ]
            for n, (frame, code) in enumerate(bad):
                await ws.send(frame)
                answer = await next_frame(ws)
                assert (answer["type"], answer["error"]["code"]) == ("error", code), (frame[:40], answer)
                await ws.send(good(f"after-{n}"))
                ack = await next_frame(ws)
                assert ack == {"type": "ack", "client_message_id": f"after-{n}", "status": "accepted"}


async def test_a_frame_over_the_servers_limit_closes_the_socket_with_a_code(
    serve: Serve, bearer: Bearer
) -> None:
    async with serve() as (_, http, address):  # as livechat-ingest runs: the frame limit is the body limit
        app_id = (await webchat_app(http, bearer))["id"]
        token = (await start(http, app_id)).json()["session_token"]
        async with connected(socket_url(address, app_id, token)) as ws:
            await ws.send(good("big")[:-2] + "x" * 100_000 + '"}')
            with pytest.raises(websockets.ConnectionClosed) as info:
                await next_frame(ws)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009  # message too big


# --- point 9: numbers and cursors are bounded -------------------------------------------------


async def test_the_socket_cursor_is_bounded(serve: Serve, bearer: Bearer) -> None:
    async with serve() as (_, http, address):
        app_id = (await webchat_app(http, bearer))["id"]
        token = (await start(http, app_id)).json()["session_token"]
        for after in ("99999999999999999999", str(MAX_SAFE_INTEGER + 1), "-1", "abc", "1e3", "1.5", ""):
            refused = await refused_handshake(socket_url(address, app_id, token, after))
            assert refused.response.status_code == 400, after
            body = json.loads(refused.response.body or b"{}")
            assert body["error"]["code"] == "invalid_after", after
        async with connected(socket_url(address, app_id, token, str(MAX_SAFE_INTEGER))) as ws:
            await ws.send(good("edge"))
            assert (await next_frame(ws))["type"] == "ack"
        missing = await refused_handshake(socket_url(address, app_id, "forged-token"))
        assert missing.response.status_code == 401
        assert json.loads(missing.response.body or b"{}")["error"]["code"] == "invalid_session"


async def test_numbers_in_requests_are_bounded(service: Service, bearer: Bearer) -> None:
    _, http = service
    app_id = (await webchat_app(http, bearer))["id"]
    for page in ("4611686018427387904", "9223372036854775808", "0", "-1", "x"):
        assert error_of(await http.get("/v1/apps", headers=bearer("admin"), params={"page": page}))[0] in (
            400,
            422,
        )
    token = (await start(http, app_id)).json()["session_token"]
    huge = {"url": "https://files.example/a.png", "content_type": "image/png", "size": 2**63}
    sent = await http.post(
        f"/v1/webchat/{app_id}/messages",
        headers={"Authorization": f"Bearer {token}"},
        json={"attachments": [huge], "client_message_id": "h"},
    )
    assert error_of(sent) == (422, "validation_failed")


# --- point 5 for the person: the socket closes when its session expires -----------------------


async def test_the_socket_closes_when_the_session_expires(serve: Serve, bearer: Bearer) -> None:
    async with serve(webchat_session_ttl_seconds=2) as (_, http, address):
        app_id = (await webchat_app(http, bearer))["id"]
        token = (await start(http, app_id)).json()["session_token"]
        async with connected(socket_url(address, app_id, token)) as ws:
            await ws.send(good("while-valid"))
            assert (await next_frame(ws))["type"] == "ack"
            with pytest.raises(websockets.ConnectionClosed) as info:
                await next_frame(ws)
        assert info.value.rcvd is not None
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "session_expired")
        assert (await refused_handshake(socket_url(address, app_id, token))).response.status_code == 401


# --- point 8: rate limits on the public edge --------------------------------------------------


async def test_session_starts_are_limited_per_address_and_per_app(
    serve: Serve, bearer: Bearer, fresh_window: Callable[[], Awaitable[None]]
) -> None:
    async with serve(rate_sessions_per_address_per_minute=2) as (app, http, _):
        app_id = (await webchat_app(http, bearer))["id"]
        await fresh_window()
        assert [(await start(http, app_id)).status_code for _ in range(2)] == [201, 201]
        refused = await start(http, app_id)
        assert error_of(refused) == (429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (
            refused.json()["error"]["message"] == "too many webchat sessions from this address; retry later"
        )
        assert await sessions_stored(app) == 2

    async with serve(rate_sessions_per_address_per_minute=0, rate_sessions_per_app_per_minute=2) as (
        _,
        http,
        _,
    ):
        app_id = (await webchat_app(http, bearer))["id"]
        await fresh_window()
        assert [(await start(http, app_id)).status_code for _ in range(2)] == [201, 201]
        refused = await start(http, app_id)
        assert error_of(refused) == (429, "rate_limited") and "retry-after" in refused.headers
        assert refused.json()["error"]["message"] == "too many webchat sessions on this app; retry later"


async def test_messages_are_limited_per_visitor_over_http_and_socket_and_per_app(
    serve: Serve, bearer: Bearer, fresh_window: Callable[[], Awaitable[None]]
) -> None:
    limits = {"rate_messages_per_visitor_per_minute": 3, "rate_messages_per_app_per_minute": 5}
    async with serve(**limits) as (_, http, address):
        app_id = (await webchat_app(http, bearer))["id"]
        first, second = [(await start(http, app_id)).json()["session_token"] for _ in range(2)]
        messages = f"/v1/webchat/{app_id}/messages"

        async def send(token: str, client_message_id: str) -> httpx.Response:
            body = {"text": "hi", "client_message_id": client_message_id}
            return await http.post(messages, headers={"Authorization": f"Bearer {token}"}, json=body)

        await fresh_window()
        async with connected(socket_url(address, app_id, first)) as ws:
            assert [(await send(first, f"h-{n}")).status_code for n in range(2)] == [202, 202]
            await ws.send(good("s-1"))
            assert (await next_frame(ws))["type"] == "ack"  # the third of the minute

            refused = await send(first, "h-3")
            assert (
                error_of(refused) == (429, "rate_limited") and 1 <= int(refused.headers["retry-after"]) <= 60
            )
            assert refused.json()["error"]["message"] == "too many messages from this visitor; retry later"
            await ws.send(good("s-2"))
            frame = await next_frame(ws)
            assert (frame["type"], frame["client_message_id"], frame["error"]["code"]) == (
                "error",
                "s-2",
                "rate_limited",
            )
            assert 1 <= frame["error"]["retry_after"] <= 60
            await ws.send(good("s-3"))  # still answering
            assert (await next_frame(ws))["error"]["code"] == "rate_limited"

        # another visitor has their own budget, until the app's is spent (3 + 2 = 5)
        assert [(await send(second, f"o-{n}")).status_code for n in range(2)] == [202, 202]
        refused = await send(second, "o-3")
        assert error_of(refused) == (429, "rate_limited")
        assert refused.json()["error"]["message"] == "too many messages on this app; retry later"


async def test_socket_connections_are_limited_per_address(
    serve: Serve, bearer: Bearer, fresh_window: Callable[[], Awaitable[None]]
) -> None:
    async with serve(rate_sockets_per_address_per_minute=2) as (_, http, address):
        app_id = (await webchat_app(http, bearer))["id"]
        token = (await start(http, app_id)).json()["session_token"]
        url = socket_url(address, app_id, token)
        await fresh_window()
        async with connected(url) as one, connected(url) as two:
            refused = await refused_handshake(url)
            assert refused.response.status_code == 429
            assert 1 <= int(refused.response.headers["Retry-After"]) <= 60
            assert json.loads(refused.response.body or b"{}")["error"]["code"] == "rate_limited"
            for ws in (one, two):  # the open ones are not affected
                await ws.send(good(f"still-{id(ws)}"))
                assert (await next_frame(ws))["type"] == "ack"


# --- the demo page: its own Content-Security-Policy, its script a file of its own -------------


async def test_the_demo_page_sets_a_policy_its_script_and_style_fit(service: Service, bearer: Bearer) -> None:
    _, http = service
    app_id = (await webchat_app(http, bearer))["id"]

    page = await http.get(f"/webchat/{app_id}")
    assert page.status_code == 200 and page.headers["content-security-policy"] == PAGE_CSP
    assert "script-src 'self'" in PAGE_CSP and "unsafe-inline" not in PAGE_CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<script src="static/webchat.js" defer></script>' in page.text
    assert page.text.count("<script") == 1 and "<style" not in page.text
    assert not re.search(r"\son\w+\s*=|style\s*=", page.text, re.IGNORECASE)  # no inline handlers or styles

    # relative to /webchat/{app_id}, "static/..." is /webchat/static/... (behind a path prefix too)
    script = await http.get("/webchat/static/webchat.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "localStorage" in script.text and "authorization" in script.text and "visitor_id" in script.text
    style = await http.get("/webchat/static/webchat.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    for name in ("webchat.html", "nope.js", "..%2Fapp.py"):
        assert (await http.get(f"/webchat/static/{name}")).status_code == 404, name


async def test_a_reply_reaches_every_open_tab_and_a_reconnect_gets_what_it_missed(
    serve: Serve, bearer: Bearer
) -> None:
    async with serve() as (app, http, address):
        app_id = (await webchat_app(http, bearer))["id"]
        visitor = (await start(http, app_id, {"name": "Tab"})).json()
        url = socket_url(address, app_id, visitor["session_token"])

        async def reply_to_visitor(message_id: str, text: str) -> None:
            outbound = OutboundRequestedV1(
                app_id=app_id,
                channel="webchat",
                person_external_id=visitor["visitor_id"],
                message=reply(message_id, text),
            )
            await app.state.runtime.publisher.publish(
                Envelope.wrap(outbound, workspace_id="ws-1", chat_id="chat-1")
            )

        async with connected(url) as first_tab, connected(url) as second_tab:
            await reply_to_visitor("m-tabs", "to both tabs")
            frames = [await next_frame(first_tab), await next_frame(second_tab)]
            assert [(f["cursor"], f["message"]["text"]) for f in frames] == [(1, "to both tabs")] * 2

        await reply_to_visitor("m-away", "while you were away")  # no socket open now
        async with connected(url) as back:  # from the start: everything kept for the visitor
            replayed = [await next_frame(back), await next_frame(back)]
        assert [f["message"]["text"] for f in replayed] == ["to both tabs", "while you were away"]
        async with connected(socket_url(address, app_id, visitor["session_token"], after="1")) as resumed:
            assert (await next_frame(resumed))["message"]["text"] == "while you were away"


async def test_a_page_on_another_site_may_call_the_webchat_endpoints_and_no_others(
    service: Service, bearer: Bearer
) -> None:
    """The widget runs on the business's own site: the browser asks (preflight) before sending its
    token to the Webchat endpoints, and gets a yes; the agents' and admins' API stays same-origin."""
    _, http = service
    app_id = (await webchat_app(http, bearer))["id"]
    site = {"Origin": "https://shop.example"}
    asked = {
        **site,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    preflight = await http.options(f"/v1/webchat/{app_id}/messages", headers=asked)
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert {"authorization", "content-type"} <= {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    started = await http.post(f"/v1/webchat/{app_id}/sessions", json={}, headers=site)
    assert started.status_code == 201 and started.headers["access-control-allow-origin"] == "*", started.text

    admin_preflight = await http.options(
        "/v1/apps", headers={**asked, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in admin_preflight.headers
    listed = await http.get("/v1/apps", headers={**site, **bearer("admin")})
    assert listed.status_code == 200 and "access-control-allow-origin" not in listed.headers
