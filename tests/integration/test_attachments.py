"""Attachments over HTTP (real database): an agent uploads a file for a reply, the reply carries its
signed link, the link serves the file (images inline, anything else as a download), and refused or
oversized files, bad links and other teams' chats change nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import LiveInbox

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 500


async def upload(
    inbox: LiveInbox, data: bytes, content_type: str, user: str = "u-agent", name: str = "file"
) -> httpx.Response:
    return await inbox.client.post(
        "/v1/attachments",
        params={"chat_id": inbox.chat_id, "name": name},
        headers={**inbox.auth(user), "Content-Type": content_type},
        content=data,
    )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_an_uploaded_image_goes_out_with_a_reply_and_its_link_serves_it(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    stored = await upload(inbox, PNG, "image/png", name="receipt.png")
    assert stored.status_code == 201, stored.text
    attachment = stored.json()
    assert (attachment["content_type"], attachment["name"], attachment["size"]) == (
        "image/png",
        "receipt.png",
        len(PNG),
    )

    reply = await inbox.client.post(
        f"/v1/chats/{inbox.chat_id}/messages",
        headers=inbox.auth("u-agent"),
        json={
            "text": "Here is your receipt",
            "client_message_id": "with-file",
            "attachments": [{k: attachment[k] for k in ("url", "content_type", "name", "size")}],
        },
    )
    assert reply.status_code == 201, reply.text
    sent = (await inbox.history())[-1]
    assert sent["attachments"][0]["url"] == attachment["url"]

    served = await inbox.client.get(path_of(attachment["url"]))  # no token: the person's and channel's link
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"] == 'inline; filename="receipt.png"'
    assert served.headers["x-content-type-options"] == "nosniff"


async def test_anything_but_an_image_is_a_download(live_inbox: LiveInbox) -> None:
    stored = await upload(live_inbox, PDF, "application/pdf", name="invoice.pdf")
    assert stored.status_code == 201
    served = await live_inbox.client.get(path_of(stored.json()["url"]))
    assert served.headers["content-disposition"] == 'attachment; filename="invoice.pdf"'
    assert served.content == PDF


@pytest.mark.parametrize(
    ("data", "content_type", "user", "expected"),
    [
        (b"<html><script>alert(1)</script></html>", "text/html", "u-agent", (415, "attachment_refused")),
        (b"<html><script>alert(1)</script></html>", "image/png", "u-agent", (415, "attachment_refused")),
        (b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream", "u-agent", (415, "attachment_refused")),
        (PNG, "image/png", "u-outsider", (404, "not_found")),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024),
            "image/png",
            "u-agent",
            (413, "payload_too_large"),
        ),
    ],
)
async def test_refused_uploads_store_nothing(
    live_inbox: LiveInbox, data: bytes, content_type: str, user: str, expected: tuple[int, str]
) -> None:
    refused = await upload(live_inbox, data, content_type, user=user)
    assert (refused.status_code, refused.json()["error"]["code"]) == expected
    files = live_inbox.app.state.runtime.mongo.db["attachments.files"]
    assert await files.count_documents({}) == 0


async def test_a_link_that_is_altered_or_expired_serves_nothing(live_inbox: LiveInbox) -> None:
    stored = (await upload(live_inbox, PNG, "image/png")).json()
    good = path_of(stored["url"])
    path, query = good.split("?")
    params = dict(p.split("=") for p in query.split("&"))
    for bad in (
        f"{path}?expires={params['expires']}&sig={'0' * 64}",
        f"{path}?expires={int(params['expires']) + 1}&sig={params['sig']}",
        f"/v1/attachments/other-id?expires={params['expires']}&sig={params['sig']}",
        f"{path}?expires=1&sig={params['sig']}",
    ):
        answer = await live_inbox.client.get(bad)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found"), bad
    assert (await live_inbox.client.get(good)).status_code == 200
