"""The generative brain's prompt and the defensive reading of the model's reply."""

from __future__ import annotations

import json

import pytest
from aiagent.brain.schemas import Article, BrainConfig
from aiagent.conversations.llm import chat_messages, completion_content, parse_decision
from aiagent.conversations.schemas import LlmDecision, LlmRequest


@pytest.mark.parametrize(
    ("content", "decision"),
    [
        ('{"answer": "Hi", "article_id": "a1", "handoff": false}', LlmDecision("Hi", "a1", False)),
        ('{"answer": "Hi"}', LlmDecision("Hi", None, False)),
        ('```json\n{"answer": " Hi ", "article_id": null}\n```', LlmDecision("Hi", None, False)),
        ('Sure! {"answer": "Hi", "handoff": false} Hope it helps', LlmDecision("Hi", None, False)),
        ('{"answer": "", "handoff": true}', LlmDecision("", None, True)),
        ('{"handoff": true}', LlmDecision("", None, True)),
        ('{"answer": null, "handoff": true}', LlmDecision("", None, True)),
        ('{"answer": "Hi", "article_id": 7}', LlmDecision("Hi", "7", False)),
        ('{"answer": "Hi", "article_id": ""}', LlmDecision("Hi", None, False)),
        ('{"answer": "Hi", "article_id": ["a"]}', LlmDecision("Hi", None, False)),
        ('{"answer": ""}', None),
        ('{"answer": "   ", "handoff": false}', None),
        ('{"answer": "Hi", "handoff": "yes"}', None),
        ('{"answer": 3}', None),
        ('["answer"]', None),
        ("Hi there", None),
        ("{not json}", None),
        ("", None),
    ],
)
def test_parse_decision(content: str, decision: LlmDecision | None) -> None:
    assert parse_decision(content) == decision


def test_a_long_answer_is_cut() -> None:
    decision = parse_decision(json.dumps({"answer": "x" * 5000}))
    assert decision is not None and len(decision.answer) == 4000 and decision.answer.endswith("…")


@pytest.mark.parametrize(
    ("body", "content"),
    [
        (b'{"choices": [{"message": {"role": "assistant", "content": "{}"}}]}', "{}"),
        (b'{"choices": []}', None),
        (b'{"choices": [{"message": {"content": null}}]}', None),
        (b"{}", None),
        (b"not json", None),
        (b"[1]", None),
    ],
)
def test_completion_content(body: bytes, content: str | None) -> None:
    assert completion_content(body) == content


def test_the_prompt_holds_the_articles_and_the_persons_messages() -> None:
    request = LlmRequest(
        brain=BrainConfig(greeting="Hello!", fallback_answer="Pardon?"),
        articles=[Article(id="pw", question="Reset password?", answer="Settings > Security.")],
        history=["hi", "  "],
        text="password?",
    )
    system, *said = chat_messages(request)
    assert system["role"] == "system"
    assert (
        '{"id": "pw", "question": "Reset password?", "answer": "Settings > Security."}' in system["content"]
    )
    assert "Greeting: Hello!" in system["content"] and "Fallback: Pardon?" in system["content"]
    assert said == [{"role": "user", "content": "hi"}, {"role": "user", "content": "password?"}]
