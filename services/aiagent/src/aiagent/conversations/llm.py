"""The optional generative brain: an OpenAI-compatible chat completions endpoint
(``POST {base_url}/chat/completions``), asked to answer in JSON.

The system prompt holds the app's greeting and fallback and the knowledge-base articles that match
the message best (with their ids); the person's last messages follow. The model's reply is parsed
defensively (code fences and text around the JSON object are tolerated). A timeout, a refused or
failed request, or a reply that is not the expected JSON gives ``None``: the caller falls back to the
rule-based brain. The api key goes in the ``Authorization`` header only; it is never logged.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from livechat_shared.telemetry import get_logger

from ..bots.schemas import REPLY_LENGTH, LlmConfig
from .schemas import LlmDecision, LlmRequest

log = get_logger(__name__)

MAX_RESPONSE_BYTES = 512 * 1024

INSTRUCTIONS = """You are the customer support assistant of a company, chatting with a person.
Answer the person's last message briefly, using only the knowledge-base articles below.
Reply with one JSON object and nothing else:
{"answer": "<your answer>", "article_id": "<the article's id, or null>", "handoff": <true or false>}
"article_id" names the article the answer comes from. Set "handoff" to true (and "answer" to "")
when the person asks for a human or needs help the articles cannot give.
When you cannot answer from the articles, answer with the fallback below and set "article_id" to null."""


def system_prompt(request: LlmRequest) -> str:
    brain = request.brain
    lines = [INSTRUCTIONS, "", f"Greeting: {brain.greeting}", f"Fallback: {brain.fallback_answer}", ""]
    if request.articles:
        lines.append("Knowledge-base articles:")
        for article in request.articles:
            lines.append(
                json.dumps({"id": article.id, "question": article.question, "answer": article.answer})
            )
    else:
        lines.append("No knowledge-base article matches this message.")
    return "\n".join(lines)


def chat_messages(request: LlmRequest) -> list[dict[str, str]]:
    """The messages of the completion request: the system prompt, then the person's messages."""
    said = [*request.history, request.text]
    return [
        {"role": "system", "content": system_prompt(request)},
        *({"role": "user", "content": text} for text in said if text.strip()),
    ]


def _json_object(content: str) -> dict[str, Any] | None:
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(content[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_decision(content: str) -> LlmDecision | None:
    """The decision in the model's reply, or ``None`` when it holds none: an object with a string
    ``answer`` (not blank unless ``handoff``), an optional string ``article_id`` and a boolean
    ``handoff`` (false when missing)."""
    value = _json_object(content)
    if value is None:
        return None
    answer, article_id, handoff = (
        value.get("answer", ""),
        value.get("article_id"),
        value.get("handoff", False),
    )
    if answer is None:
        answer = ""
    if not isinstance(answer, str) or not isinstance(handoff, bool):
        return None
    if article_id is not None and not isinstance(article_id, str):
        article_id = str(article_id) if isinstance(article_id, int) else None
    answer = answer.strip()
    if not handoff and not answer:
        return None
    if len(answer) > REPLY_LENGTH:
        answer = answer[: REPLY_LENGTH - 1].rstrip() + "…"
    return LlmDecision(answer=answer, article_id=article_id or None, handoff=handoff)


def completion_content(body: bytes) -> str | None:
    """``choices[0].message.content`` of a chat completion response, or ``None``."""
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


class OpenAICompatible:
    """The HTTP client of the generative brain (one connection pool for every app)."""

    def __init__(self, max_timeout_seconds: float = 60.0, client: httpx.AsyncClient | None = None) -> None:
        self.max_timeout = max_timeout_seconds
        self.client = client or httpx.AsyncClient(follow_redirects=False)

    async def decide(self, llm: LlmConfig, request: LlmRequest) -> LlmDecision | None:
        timeout = min(llm.timeout_seconds, self.max_timeout)
        url = f"{llm.base_url.rstrip('/')}/chat/completions"
        headers = {"Authorization": f"Bearer {llm.api_key}"} if llm.api_key else {}
        body = {"model": llm.model, "messages": chat_messages(request), "temperature": 0.2}
        try:
            async with asyncio.timeout(timeout):
                status, raw = await self._post(url, body, headers, httpx.Timeout(timeout))
        except TimeoutError:
            log.warning("llm_timeout", base_url=llm.base_url, model=llm.model, timeout_seconds=timeout)
            return None
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            log.warning("llm_failed", base_url=llm.base_url, model=llm.model, error=type(exc).__name__)
            return None
        if not 200 <= status < 300:
            log.warning("llm_refused", base_url=llm.base_url, model=llm.model, status=status)
            return None
        content = completion_content(raw)
        decision = parse_decision(content) if content is not None else None
        if decision is None:
            log.warning("llm_unparseable", base_url=llm.base_url, model=llm.model, length=len(raw))
        return decision

    async def _post(
        self, url: str, body: dict[str, Any], headers: dict[str, str], limits: httpx.Timeout
    ) -> tuple[int, bytes]:
        async with self.client.stream("POST", url, json=body, headers=headers, timeout=limits) as response:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise ValueError("the model's response is too large")
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    async def close(self) -> None:
        await self.client.aclose()
