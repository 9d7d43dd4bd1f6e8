"""The bot configuration and AI settings over HTTP (real broker and database): defaults, a change by
an admin, refusals, and the write-only api key."""

from __future__ import annotations

import httpx
from aiagent.settings import Settings

from .conftest import auth

BOT = "/v1/apps/app-api/bot"
ARTICLE = {"id": "pw", "question": "How do I reset my password?", "answer": "Settings, then Security."}
LLM = {"base_url": "https://llm.example/v1", "model": "gpt-test", "api_key": "sk-very-secret-key"}


async def test_defaults_then_a_change_by_an_admin(api: httpx.AsyncClient, settings: Settings) -> None:
    defaults = await api.get(BOT, headers=auth(settings, "u-super"))
    assert defaults.status_code == 200, defaults.text
    assert defaults.json()["version"] == 0 and defaults.json()["enabled"] is True
    assert defaults.json()["greeting"] == "Hello! How can I help you?" and defaults.json()["llm"] is None

    body = {
        "greeting": "Hi!",
        "articles": [ARTICLE],
        "confidence_threshold": 0.6,
        "handoff": {"target": {"user_ids": ["u-agent"], "team_ids": ["t-sales"]}, "by_language": True},
        "llm": LLM,
    }
    changed = await api.put(BOT, headers=auth(settings, "u-admin"), json=body)
    assert changed.status_code == 200, changed.text
    view = changed.json()
    assert (view["version"], view["greeting"], view["articles"], view["confidence_threshold"]) == (
        1,
        "Hi!",
        [ARTICLE],
        0.6,
    )
    assert view["handoff"] == {
        "target": {"user_ids": ["u-agent"], "team_ids": ["t-sales"], "availability_check": True},
        "by_language": True,
    }
    assert view["llm"] == {
        "base_url": "https://llm.example/v1",
        "model": "gpt-test",
        "timeout_seconds": 10.0,
        "api_key_set": True,
    }
    read = await api.get(BOT, headers=auth(settings, "u-admin"))
    assert read.json() == view
    assert "sk-very-secret-key" not in changed.text + read.text

    kept = await api.put(
        BOT, headers=auth(settings, "u-admin"), json={**body, "llm": {**LLM, "api_key": None}}
    )
    assert kept.status_code == 200 and kept.json()["llm"]["api_key_set"] is True
    assert kept.json()["version"] == 2


async def test_refusals_change_nothing(api: httpx.AsyncClient, settings: Settings) -> None:
    assert (await api.get(BOT)).status_code == 401
    for user, method in (("u-agent", "GET"), ("u-agent", "PUT"), ("u-super", "PUT")):
        refused = await api.request(method, BOT, headers=auth(settings, user), json={})
        assert refused.status_code == 403, (user, method, refused.text)
        assert refused.json()["error"]["code"] == "forbidden"

    admin = auth(settings, "u-admin")
    for target, code in (
        ({"user_ids": ["u-nobody"]}, "unknown_user"),
        ({"team_ids": ["t-nobody"]}, "unknown_team"),
    ):
        refused = await api.put(BOT, headers=admin, json={"handoff": {"target": target}})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == code
    for bad in (
        {"confidence_threshold": 2},
        {"articles": [ARTICLE, ARTICLE]},
        {"llm": {**LLM, "timeout_seconds": 600}},
        {"llm": {**LLM, "base_url": "file:///etc/passwd"}},
        {"api_key": "sk"},
    ):
        refused = await api.put(BOT, headers=admin, json=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["error"]["code"] == "validation_failed"
    assert (await api.get(BOT, headers=admin)).json()["version"] == 0


async def test_a_large_knowledge_base_fits(api: httpx.AsyncClient, settings: Settings) -> None:
    articles = [{"id": f"a{n}", "question": f"Question {n}?", "answer": "x" * 2000} for n in range(500)]
    stored = await api.put(BOT, headers=auth(settings, "u-admin"), json={"articles": articles})
    assert stored.status_code == 200, stored.text[:300]
    assert len(stored.json()["articles"]) == 500


async def test_ai_settings(api: httpx.AsyncClient, settings: Settings) -> None:
    path = "/v1/ai/settings"
    initial = await api.get(path, headers=auth(settings, "u-super"))
    assert initial.status_code == 200, initial.text
    assert (
        initial.json()["monthly_interaction_limit"] is None and initial.json()["interactions_this_month"] == 0
    )
    assert (await api.get(path, headers=auth(settings, "u-agent"))).status_code == 403
    assert (
        await api.put(path, headers=auth(settings, "u-super"), json={"monthly_interaction_limit": 1})
    ).status_code == 403
    bad = await api.put(path, headers=auth(settings, "u-admin"), json={"monthly_interaction_limit": -1})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_failed"
    changed = await api.put(path, headers=auth(settings, "u-admin"), json={"monthly_interaction_limit": 10})
    assert changed.status_code == 200 and changed.json()["monthly_interaction_limit"] == 10
    assert (await api.get(path, headers=auth(settings, "u-agent"))).status_code == 403
    assert (await api.get(path, headers=auth(settings, "u-admin"))).json()["monthly_interaction_limit"] == 10
