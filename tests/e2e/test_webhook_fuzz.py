"""Fuzzing of every webhook and the API channel with the providers' own proofs (hypothesis): bodies
that are anything at all, and real payload shapes with their fields swapped for anything, sent
signed with the app's secret (so the parsers see them) or signed wrongly. No answer is a 5xx, every
refusal has the error body of api.md, and at the end the inbox holds exactly the messages the edge
said it accepted: nothing from rejected input."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from .conftest import auth

SECRET = "fuzz-app-secret"
CREDENTIALS = {
    "whatsapp": {"app_secret": SECRET, "verify_token": "v", "access_token": "a", "phone_number_id": "1"},
    "messenger": {"app_secret": SECRET, "verify_token": "v", "page_access_token": "p"},
    "telegram": {"bot_token": "1:x", "secret_token": "fuzz-secret-token"},
    "api": {},
}
EXAMPLES = 60
"""Generated deliveries per channel."""

BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def whatsapp(message: Any) -> Any:
    value = {"contacts": [{"profile": {"name": "K"}, "wa_id": "1555"}], "messages": [message]}
    return {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}


def messenger(event: Any) -> Any:
    return {"object": "page", "entry": [{"messaging": [event]}]}


def telegram(message: Any) -> Any:
    return {"update_id": 1, "message": message}


def api(person: Any) -> Any:
    return {"external_message_id": "e", "person": person, "text": "t"}


# Real shapes with one part replaced by anything (a number for a string, a list for an object...).
SHAPED = {
    "whatsapp": st.builds(
        whatsapp,
        st.fixed_dictionaries(
            {
                "from": json_values | st.just("1555"),
                "id": st.text(max_size=20),
                "type": st.sampled_from(["text", "image", "location", "interactive", "x"]),
            },
            optional={
                "text": json_values,
                "image": json_values,
                "location": json_values,
                "interactive": json_values,
            },
        ),
    ),
    "messenger": st.builds(
        messenger,
        st.fixed_dictionaries(
            {"sender": json_values | st.just({"id": "psid"}), "recipient": st.just({"id": "page"})},
            optional={"message": json_values, "postback": json_values},
        ),
    ),
    "telegram": st.builds(
        telegram,
        st.fixed_dictionaries(
            {
                "message_id": json_values | st.integers(),
                "chat": json_values | st.just({"id": 1}),
                "date": st.integers(),
            },
            optional={"from": json_values, "text": json_values, "location": json_values},
        ),
    ),
    "api": st.builds(api, json_values | st.fixed_dictionaries({"external_id": json_values})),
}


def bodies(channel: str) -> st.SearchStrategy[bytes]:
    as_json = (SHAPED[channel] | json_values).map(lambda v: json.dumps(v).encode())
    return as_json | st.binary(max_size=300)


@pytest.fixture(scope="module")
def fuzzed(stack) -> dict[str, Any]:
    """A workspace of its own with an app per channel, and the running count of accepted messages."""
    workspace: dict[str, Any] = stack.cli("bootstrap", "--workspace", "WebhookFuzz")
    apps = {}
    for channel, credentials in CREDENTIALS.items():
        body = {
            "teamspace_id": workspace["teamspace_id"],
            "channel": channel,
            "name": channel,
            "credentials": credentials,
        }
        made = httpx.post(
            f"{stack.url('ingest')}/v1/apps", json=body, headers=auth(workspace["token"]), timeout=15
        )
        assert made.status_code == 201, made.text
        apps[channel] = made.json()
    return {"workspace": workspace, "apps": apps, "accepted": 0}


def proof(channel: str, app: dict[str, Any], body: bytes, right: bool) -> dict[str, str]:
    if channel in ("whatsapp", "messenger"):
        secret = SECRET if right else "not-the-secret"
        return {
            "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        }
    if channel == "telegram":
        return {"X-Telegram-Bot-Api-Secret-Token": "fuzz-secret-token" if right else "wrong"}
    return {"Authorization": f"Bearer {app['api_key'] if right else 'wrong-key'}"}


VALID = {  # one real delivery per channel, so the count of accepted messages is never trivially 0
    "whatsapp": whatsapp({"from": "1555", "id": "wamid.ok", "type": "text", "text": {"body": "valid"}}),
    "messenger": messenger(
        {"sender": {"id": "psid"}, "recipient": {"id": "page"}, "message": {"mid": "m.ok", "text": "valid"}}
    ),
    "telegram": telegram(
        {"message_id": 7, "from": {"id": 9, "first_name": "T"}, "chat": {"id": 9}, "date": 1, "text": "valid"}
    ),
    "api": api({"external_id": "crm-ok"}),
}

PATHS = {
    "whatsapp": "/v1/webhooks/whatsapp/{id}",
    "messenger": "/v1/webhooks/messenger/{id}",
    "telegram": "/v1/webhooks/telegram/{id}",
    "api": "/v1/api-channel/{id}/messages",
}


@pytest.mark.parametrize("channel", list(PATHS))
def test_no_webhook_body_breaks_the_edge_or_stores_what_it_refused(
    stack, fuzzed: dict[str, Any], channel: str
) -> None:
    app = fuzzed["apps"][channel]
    url = stack.url("ingest") + PATHS[channel].format(id=app["id"])

    @BOUNDED
    @given(body=bodies(channel), right=st.booleans())
    @example(body=json.dumps(VALID[channel]).encode(), right=True)
    @example(body=json.dumps(VALID[channel]).encode(), right=False)
    def deliver(body: bytes, right: bool) -> None:
        answer = httpx.post(url, content=body, headers=proof(channel, app, body, right), timeout=15)
        assert answer.status_code < 500, f"{answer.status_code} {answer.text}"
        if answer.status_code >= 400:
            error = answer.json()["error"]
            assert isinstance(error["code"], str) and isinstance(error["message"], str)
            assert right or answer.status_code == 401  # a wrong proof is refused before anything is read
            return
        assert right
        fuzzed["accepted"] += answer.json()["accepted"]

    deliver()


def test_the_inbox_holds_exactly_what_the_edge_accepted(stack, fuzzed: dict[str, Any]) -> None:
    """Runs after the fuzzing above (file order): every accepted message arrived, and nothing else."""
    token = fuzzed["workspace"]["token"]
    inbox = stack.url("inbox")

    def person_messages() -> int:
        chats = httpx.get(
            f"{inbox}/v1/chats", params={"page_size": 200}, headers=auth(token), timeout=15
        ).json()
        total = 0
        for chat in chats["items"]:
            items = httpx.get(
                f"{inbox}/v1/chats/{chat['id']}/messages",
                params={"limit": 200},
                headers=auth(token),
                timeout=15,
            ).json()["items"]
            total += sum(1 for m in items if m["author"]["type"] == "person")
        return total

    deadline = time.monotonic() + 30
    while person_messages() < fuzzed["accepted"] and time.monotonic() < deadline:
        time.sleep(0.2)  # a poll, bounded by the deadline
    assert fuzzed["accepted"] >= len(VALID)
    assert person_messages() == fuzzed["accepted"]
