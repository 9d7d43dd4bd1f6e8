"""The limits of a bot configuration's body, one table."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiagent.bots.schemas import AiSettingsPut, BotConfigPut
from aiagent.core import defaults
from pydantic import ValidationError


def article(n: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"a{n}", "question": f"Question {n}?", "answer": f"Answer {n}.", **fields}


LLM = {"base_url": "https://llm.example/v1", "model": "gpt-test"}


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({}, True),
        ({"articles": [article(n) for n in range(500)]}, True),
        ({"articles": [article(n) for n in range(501)]}, False),
        ({"articles": [article(1), article(1)]}, False),
        ({"articles": [article(1, id="")]}, False),
        ({"articles": [article(1, answer="x" * 4000)]}, True),
        ({"articles": [article(1, answer="x" * 4001)]}, False),
        ({"articles": [article(1, question="")]}, False),
        ({"articles": [article(1, title="extra")]}, False),
        ({"greeting": ""}, True),
        ({"greeting": "x" * 4001}, False),
        ({"fallback_answer": ""}, False),
        ({"handoff_answer": "x" * 4001}, False),
        ({"confidence_threshold": 0}, True),
        ({"confidence_threshold": 1.5}, False),
        ({"confidence_threshold": "0.5"}, False),
        ({"max_low_confidence_in_a_row": 0}, False),
        ({"max_low_confidence_in_a_row": 101}, False),
        ({"handoff_keywords": []}, True),
        ({"handoff_keywords": [""]}, False),
        ({"handoff_keywords": ["k"] * 101}, False),
        ({"enabled": "yes"}, False),
        ({"handoff": {"target": {"user_ids": ["u"] * 100}}}, True),
        ({"handoff": {"target": {"user_ids": ["u"] * 101}}}, False),
        ({"handoff": {"target": {"team_ids": [""]}}}, False),
        ({"handoff": {"target": {"language": "fr"}}}, False),
        ({"handoff": {"by_language": True, "teamspace_id": "ts"}}, False),
        ({"llm": None}, True),
        ({"llm": LLM}, True),
        ({"llm": {**LLM, "api_key": "sk-1", "timeout_seconds": 60}}, True),
        ({"llm": {**LLM, "timeout_seconds": 0}}, False),
        ({"llm": {**LLM, "timeout_seconds": 61}}, False),
        ({"llm": {**LLM, "base_url": "ftp://llm.example"}}, False),
        ({"llm": {**LLM, "base_url": "llm.example"}}, False),
        ({"llm": {**LLM, "model": ""}}, False),
        ({"llm": {**LLM, "api_key": ""}}, False),
        ({"llm": {**LLM, "api_key_set": True}}, False),
        ({"unknown": 1}, False),
    ],
)
def test_bot_config_put(body: dict[str, Any], valid: bool) -> None:
    if valid:
        BotConfigPut.model_validate_json(json.dumps(body))
    else:
        with pytest.raises(ValidationError):
            BotConfigPut.model_validate_json(json.dumps(body))


def test_the_defaults_are_the_brains() -> None:
    body = BotConfigPut()
    assert (body.enabled, body.greeting, body.handoff_keywords, body.llm) == (
        True,
        defaults.GREETING,
        list(defaults.HANDOFF_KEYWORDS),
        None,
    )
    assert body.handoff.target.availability_check and not body.handoff.by_language


def test_a_trailing_slash_of_the_base_url_is_dropped() -> None:
    body = BotConfigPut.model_validate({"llm": {**LLM, "base_url": "http://localhost:11434/v1/"}})
    assert body.llm is not None and body.llm.base_url == "http://localhost:11434/v1"


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"monthly_interaction_limit": None}, True),
        ({"monthly_interaction_limit": 0}, True),
        ({"monthly_interaction_limit": 1000}, True),
        ({"monthly_interaction_limit": -1}, False),
        ({"monthly_interaction_limit": 1.5}, False),
        ({"monthly_interaction_limit": "10"}, False),
        ({}, False),
        ({"monthly_interaction_limit": 1, "other": 2}, False),
    ],
)
def test_ai_settings_put(body: dict[str, Any], valid: bool) -> None:
    if valid:
        AiSettingsPut.model_validate(body)
    else:
        with pytest.raises(ValidationError):
            AiSettingsPut.model_validate(body)
