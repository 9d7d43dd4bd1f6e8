"""``kill -9`` of a service in the middle of a stream loses no accepted message and duplicates none."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from livechat_dev.testing import eventually

from .conftest import running_stack

PEOPLE, PER_PERSON = 6, 12


@pytest.fixture
def fault_stack(amqp_url: str, mongo_url: str, tmp_path):
    with running_stack(amqp_url, mongo_url, tmp_path) as suite:
        yield suite


async def send_all(http: httpx.AsyncClient, url: str, sessions: list[dict], on_progress) -> None:
    """Each person sends their messages in order, retrying (same client_message_id) until accepted,
    as a webchat client does when the connection drops."""

    async def person(index: int, session: dict) -> None:
        for n in range(PER_PERSON):
            while True:
                try:
                    response = await http.post(
                        url,
                        headers={"Authorization": f"Bearer {session['session_token']}"},
                        json={"text": f"p{index} m{n}", "client_message_id": f"m{n}"},
                    )
                    if response.status_code == 202:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            await on_progress()

    await asyncio.gather(*(person(i, s) for i, s in enumerate(sessions)))


@pytest.mark.parametrize("victim", ["inbox", "ingest"])
async def test_kill_9_mid_stream_loses_and_duplicates_nothing(fault_stack, victim: str) -> None:
    workspace = fault_stack.cli("bootstrap", "--workspace", "Crash")
    admin = {"Authorization": f"Bearer {workspace['token']}"}
    ingest, inbox = fault_stack.url("ingest"), fault_stack.url("inbox")
    async with httpx.AsyncClient(timeout=10) as http:
        sessions = [
            (
                await http.post(f"{ingest}/v1/webchat/{workspace['app_id']}/sessions", json={"name": f"P{i}"})
            ).json()
            for i in range(PEOPLE)
        ]
        sent = 0
        killed = asyncio.Event()

        async def progress() -> None:
            nonlocal sent
            sent += 1
            if sent == PEOPLE * PER_PERSON // 3 and not killed.is_set():
                killed.set()
                process = fault_stack.services[victim]
                await asyncio.to_thread(process.kill)  # SIGKILL: no shutdown, no cleanup
                await asyncio.to_thread(process.start)
                await asyncio.to_thread(process.wait_ready)

        await send_all(http, f"{ingest}/v1/webchat/{workspace['app_id']}/messages", sessions, progress)
        assert killed.is_set()

        async def everything_stored():
            chats = (await http.get(f"{inbox}/v1/chats", headers=admin, params={"page_size": 200})).json()[
                "items"
            ]
            texts = []
            for chat in chats:
                items = (
                    await http.get(
                        f"{inbox}/v1/chats/{chat['id']}/messages", headers=admin, params={"limit": 500}
                    )
                ).json()["items"]
                # the person's messages (the AI agent answers some of them too)
                texts += [(chat["id"], m["seq"], m["text"]) for m in items if m["author"]["type"] == "person"]
            return (chats, texts) if len(texts) >= PEOPLE * PER_PERSON else None

        chats, texts = await eventually(everything_stored, within=60)

    assert len(chats) == PEOPLE
    counts = Counter(text for _, _, text in texts)
    assert set(counts) == {f"p{i} m{n}" for i in range(PEOPLE) for n in range(PER_PERSON)}
    assert max(counts.values()) == 1, [t for t, c in counts.items() if c > 1]
    for chat in chats:  # each person's messages stored in the order they were sent
        in_order = [text for _, _, text in sorted(t for t in texts if t[0] == chat["id"])]
        person = in_order[0].split(" ")[0]
        assert in_order == [f"{person} m{n}" for n in range(PER_PERSON)]
