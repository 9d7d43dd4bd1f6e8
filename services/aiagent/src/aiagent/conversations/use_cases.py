"""The AI agent on its chats: answering a person's messages, handing chats off, asking for and
collecting ratings — each message applied exactly once.

For a person's message on an AI-mode chat: load the app's configuration and the chat's
conversation, decide (the generative brain's HTTP call, when configured, happens here, outside any
transaction), then commit in one transaction the event id (a redelivery collides and publishes
nothing), the conversation's new state (checked against the version the decision was made on), the
interaction count, and the events in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from livechat_shared.contracts import (
    AiReplyCreatedV1,
    ChatClosedV1,
    ChatHandedOffV1,
    Envelope,
    FeedbackCollectedV1,
    HandoffTarget,
    MessageCreatedV1,
)
from livechat_shared.idempotency import AlreadyProcessedError
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger
from livechat_shared.writer import Change, Session, Writer

from ..bots.schemas import AiSettings, BotConfig, LlmConfig
from ..brain.knowledge import KnowledgeBase
from ..brain.rules import asks_for_a_human, summary
from ..core.months import month_of
from ..errors import InteractionLimitReached
from .rules import (
    FEEDBACK_REQUEST,
    FEEDBACK_THANKS,
    LLM_HISTORY,
    brain_config,
    limit_notice,
    llm_outcome,
    parse_rating,
    remember,
    rule_outcome,
)
from .schemas import Conversation, LlmDecision, LlmRequest, Outcome, Reply

log = get_logger(__name__)

KNOWLEDGE_BASES_KEPT = 1000
LANGUAGE_LENGTH = 35
"""The longest language tag a handoff target holds."""


class BotConfigs(Protocol):
    async def current(self, workspace_id: str, app_id: str) -> BotConfig: ...


class Limits(Protocol):
    async def current(self, workspace_id: str) -> AiSettings: ...


class Conversations(Protocol):
    async def get(self, chat_id: str) -> Conversation | None: ...

    async def forget(self, chat_id: str) -> None:
        """Erase what the AI remembers of the chat (idempotent)."""
        ...

    async def save(self, conversation: Conversation, expected_version: int, session: Session) -> None:
        """Store the new state (version ``expected_version + 1``); raises ConversationChanged when the
        stored version is not ``expected_version``."""
        ...


class Usage(Protocol):
    async def count(self, workspace_id: str, month: str) -> int: ...

    async def counted(self, workspace_id: str, month: str, chat_id: str) -> bool: ...

    async def count_chat(self, workspace_id: str, month: str, chat_id: str, session: Session) -> int: ...


class Processed(Protocol):
    async def seen(self, event_id: str) -> bool: ...

    async def record(self, event_id: str, session: Session) -> None: ...


class Generative(Protocol):
    async def decide(self, llm: LlmConfig, request: LlmRequest) -> LlmDecision | None:
        """The model's decision, or ``None`` when it timed out, failed or answered nonsense."""
        ...


@dataclass(frozen=True)
class Counting:
    """An interaction to count in the commit, and the limit the month's count must stay within
    (``None``: none, or the chat was counted before)."""

    month: str
    limit: int | None


@dataclass
class ConversationUseCases:
    configs: BotConfigs
    limits: Limits
    conversations: Conversations
    usage: Usage
    processed: Processed
    writer: Writer
    llm: Generative | None = None
    clock: Callable[[], datetime] = field(default=utcnow)
    _knowledge: dict[tuple[str, str], tuple[tuple[int, datetime | None], KnowledgeBase]] = field(
        default_factory=dict
    )

    async def on_message(self, envelope: Envelope, event: MessageCreatedV1) -> list[Envelope]:
        """Answer a person's message on an AI-mode chat; what was published (nothing for any other
        message, a disabled bot, or a redelivery)."""
        if event.message.author.type != "person" or event.mode != "ai" or event.app_id is None:
            return []
        workspace_id, chat_id = envelope.workspace_id, envelope.chat_id or event.message.chat_id
        config = await self.configs.current(workspace_id, event.app_id)
        if not config.enabled or await self.processed.seen(envelope.event_id):
            return []
        before = await self.conversations.get(chat_id) or Conversation(id=chat_id, workspace_id=workspace_id)
        state, text, now = before, event.message.text, self.clock()

        def reply(r: Reply) -> Envelope:
            return self._reply(envelope, chat_id, r, reply_to=event.message.id)

        if state.awaiting_feedback:
            state = state.model_copy(update={"awaiting_feedback": False})
            score = parse_rating(text)
            if score is not None:
                feedback = Envelope.wrap(
                    FeedbackCollectedV1(score=score, at=now),
                    workspace_id=workspace_id,
                    chat_id=chat_id,
                    causation=envelope,
                )
                thanks = reply(Reply(kind="feedback_thanks", text=FEEDBACK_THANKS))
                return await self._commit(envelope, before, state, [feedback, thanks])

        month = month_of(now)
        limit = (await self.limits.current(workspace_id)).monthly_interaction_limit
        counted = await self.usage.counted(workspace_id, month, chat_id)
        if limit is not None and not counted and await self.usage.count(workspace_id, month) >= limit:
            if state.limit_notice_month == month:  # told already: silence
                return await self._commit(envelope, before, state, []) if state != before else []
            state = state.model_copy(update={"limit_notice_month": month})
            notice = reply(Reply(kind="notice", text=limit_notice(limit)))
            return await self._commit(envelope, before, state, [notice])

        outcome = await self._decide(workspace_id, event.app_id, config, state, text)
        said, said_count = remember(state.said, state.said_count, text)
        events = [reply(r) for r in outcome.replies]
        if outcome.handoff is not None:
            target, language = config.handoff.target, event.language
            if not config.handoff.by_language or (language is not None and len(language) > LANGUAGE_LENGTH):
                language = None  # a tag longer than any real one: every agent rather than none
            handed_off = ChatHandedOffV1(
                teamspace_id=event.teamspace_id,
                target=HandoffTarget(
                    user_ids=list(target.user_ids),
                    team_ids=list(target.team_ids),
                    availability_check=target.availability_check,
                    language=language,
                ),
                trigger=outcome.handoff.trigger,
                summary=summary(said, outcome.handoff.reason, count=said_count),
                message=config.handoff_answer,
                reply_to=event.message.id,
            )
            events.append(
                Envelope.wrap(handed_off, workspace_id=workspace_id, chat_id=chat_id, causation=envelope)
            )
            said, said_count = [], 0  # the agent has it now; back with the AI, the chat starts afresh
        state = state.model_copy(update={"memory": outcome.memory, "said": said, "said_count": said_count})
        # The chat counts as this month's interaction (once); a new one must stay within the limit.
        return await self._commit(
            envelope, before, state, events, Counting(month, None if counted else limit)
        )

    async def on_deleted(self, chat_id: str) -> None:
        """The chat was deleted: what the AI remembers of it (the person's words) goes with it."""
        await self.conversations.forget(chat_id)

    async def on_closed(self, envelope: Envelope, event: ChatClosedV1) -> list[Envelope]:
        """An agent closed the chat (it is back with the AI): start afresh and ask for a rating."""
        chat_id = envelope.chat_id
        if chat_id is None:
            log.warning("closed_chat_without_id", event_id=envelope.event_id)
            return []
        config = await self.configs.current(envelope.workspace_id, event.app.id)
        if not config.enabled:
            return []
        before = await self.conversations.get(chat_id) or Conversation(
            id=chat_id, workspace_id=envelope.workspace_id
        )
        state = before.model_copy(
            update={
                "memory": before.memory.model_copy(update={"low_confidence_in_a_row": 0}),
                "awaiting_feedback": True,
                "said": [],
                "said_count": 0,
            }
        )
        request = self._reply(envelope, chat_id, Reply(kind="feedback_request", text=FEEDBACK_REQUEST), None)
        return await self._commit(envelope, before, state, [request])

    async def _decide(
        self, workspace_id: str, app_id: str, config: BotConfig, state: Conversation, text: str
    ) -> Outcome:
        brain, kb = brain_config(config), self._knowledge_base(workspace_id, app_id, config)
        asked = brain.handoff_on_request and asks_for_a_human(brain.handoff_keywords, text)
        if config.llm is not None and self.llm is not None and not asked:
            request = LlmRequest(
                brain=brain,
                articles=[article for article, _ in kb.search(text, k=3)],
                history=state.said[-LLM_HISTORY:],
                text=text,
            )
            decision = await self.llm.decide(config.llm, request)
            if decision is not None:
                return llm_outcome(brain, kb, state.memory, decision)
            log.info("llm_fallback_to_rules", app_id=app_id)
        return rule_outcome(brain, kb, state.memory, text)

    def _knowledge_base(self, workspace_id: str, app_id: str, config: BotConfig) -> KnowledgeBase:
        """The app's indexed articles, built once per version of its configuration."""
        key, version = (workspace_id, app_id), (config.version, config.updated_at)
        kept = self._knowledge.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        if len(self._knowledge) >= KNOWLEDGE_BASES_KEPT:
            self._knowledge.clear()
        kb = KnowledgeBase(brain_config(config).articles)
        self._knowledge[key] = (version, kb)
        return kb

    @staticmethod
    def _reply(cause: Envelope, chat_id: str, reply: Reply, reply_to: str | None) -> Envelope:
        created = AiReplyCreatedV1(
            reply_to=reply_to,
            kind=reply.kind,
            text=reply.text,
            article_id=reply.article_id,
            article_title=reply.article_title,
            confidence=reply.confidence,
        )
        return Envelope.wrap(created, workspace_id=cause.workspace_id, chat_id=chat_id, causation=cause)

    async def _commit(
        self,
        envelope: Envelope,
        before: Conversation,
        after: Conversation,
        events: list[Envelope],
        counting: Counting | None = None,
    ) -> list[Envelope]:
        """Commit the new state and the events once per event id; ``[]`` for a redelivery."""

        async def work(session: Session) -> Change[list[Envelope]]:
            await self.processed.record(envelope.event_id, session)
            await self.conversations.save(after, before.version, session)
            if counting is not None:
                count = await self.usage.count_chat(after.workspace_id, counting.month, after.id, session)
                if counting.limit is not None and count > counting.limit:
                    raise InteractionLimitReached()  # counted meanwhile by other chats: decide again
            return Change(events, events)

        try:
            return await self.writer.write(work)
        except AlreadyProcessedError:
            log.info("duplicate_ignored", event_id=envelope.event_id)
            return []
