"""An app's bot configuration and the workspace's AI settings: what is stored, what the API takes
(``...Put``) and what it shows (``...View``; the LLM's api key is write-only and never shown)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ..core import defaults

MAX_ARTICLES = 500
REPLY_LENGTH = 4000
"""The longest text the AI sends in one message (``AiReplyCreatedV1.text``)."""

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ArticleConfig(BaseModel):
    """One question and its answer; the question is the article's title in answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=100)
    question: str = Field(min_length=1, max_length=1000)
    answer: str = Field(min_length=1, max_length=REPLY_LENGTH)


class HandoffTargetConfig(BaseModel):
    """Who a handed-off chat may go to: these users and the members of these teams (both empty: every
    user of the chat's teamspace); only online agents when ``availability_check``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_ids: list[Id] = Field(default=[], max_length=100)
    team_ids: list[Id] = Field(default=[], max_length=100)
    availability_check: bool = True


class HandoffOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    target: HandoffTargetConfig = HandoffTargetConfig()
    by_language: bool = False
    """Hand off to agents who speak the person's language (when the channel told it)."""


class LlmSettings(BaseModel):
    """An OpenAI-compatible chat completions endpoint: ``POST {base_url}/chat/completions``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(min_length=1, max_length=2048)
    model: str = Field(min_length=1, max_length=200)
    timeout_seconds: float = Field(default=10.0, gt=0.0, le=60.0)
    """How long one message may wait for the model; past it the rule-based brain answers."""

    @field_validator("base_url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        scheme, _, rest = value.partition(":")
        if scheme.strip().lower() not in ("http", "https") or not rest.startswith("//") or len(rest) < 3:
            raise ValueError("base_url must be an http(s) address")
        return value.rstrip("/")


class LlmConfig(LlmSettings):
    """The stored LLM settings, with the api key."""

    api_key: str | None = None


class LlmPut(LlmSettings):
    api_key: str | None = Field(default=None, min_length=1, max_length=4096)
    """Write-only: left out (or null), the stored key is kept."""


class LlmView(LlmSettings):
    api_key_set: bool


class BotFields(BaseModel):
    """What an admin configures for an app's AI agent (every field has a default)."""

    enabled: bool = True
    """``false``: the AI agent says nothing on the app's chats."""
    greeting: str = Field(default=defaults.GREETING, max_length=REPLY_LENGTH)
    """Said on a chat's first message; empty: no greeting."""
    articles: list[ArticleConfig] = Field(default=[], max_length=MAX_ARTICLES)
    confidence_threshold: float = Field(default=defaults.CONFIDENCE_THRESHOLD, ge=0.0, le=1.0)
    fallback_answer: str = Field(default=defaults.FALLBACK_ANSWER, min_length=1, max_length=REPLY_LENGTH)
    handoff_answer: str = Field(default=defaults.HANDOFF_ANSWER, min_length=1, max_length=REPLY_LENGTH)
    handoff_keywords: list[Keyword] = Field(default=list(defaults.HANDOFF_KEYWORDS), max_length=100)
    handoff_on_request: bool = True
    max_low_confidence_in_a_row: int = Field(default=defaults.MAX_LOW_CONFIDENCE_IN_A_ROW, ge=1, le=100)
    handoff: HandoffOptions = HandoffOptions()

    @model_validator(mode="after")
    def _unique_article_ids(self) -> Self:
        defaults.unique_article_ids([a.id for a in self.articles])
        return self


class BotConfig(BotFields):
    """An app's stored configuration; ``version`` grows with every change (0: the defaults)."""

    model_config = ConfigDict(frozen=True)

    llm: LlmConfig | None = None
    version: int = 0
    updated_at: datetime | None = None


class BotConfigPut(BotFields):
    """The whole configuration (a field left out takes its default, but the LLM's api key is kept)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    llm: LlmPut | None = None
    """An OpenAI-compatible generative brain; ``null``: the rule-based brain only."""


class BotConfigView(BotFields):
    app_id: str
    llm: LlmView | None = None
    version: int
    updated_at: datetime | None = None


class AiSettings(BaseModel):
    """The workspace's AI limits."""

    model_config = ConfigDict(frozen=True)

    monthly_interaction_limit: int | None = Field(default=None, ge=0)
    """Chats the AI agent may answer per calendar month (UTC); ``null``: unlimited."""
    version: int = 0
    updated_at: datetime | None = None


class AiSettingsPut(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    monthly_interaction_limit: int | None = Field(ge=0, le=10**12)
    """Chats the AI agent may answer per calendar month (UTC); ``null``: unlimited."""


class AiSettingsView(AiSettings):
    month: str
    """The current calendar month (UTC), ``YYYY-MM``."""
    interactions_this_month: int
    """Chats the AI agent answered this month."""
