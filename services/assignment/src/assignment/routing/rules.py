"""Routing's pure decisions: who is eligible for a handed-off chat, which of them each assignment
method picks, and the reason the decision log keeps.

The workflow around it (claim the chat atomically, keep the pending queue, store the decision and
``next_state``, publish) is written once, elsewhere; nothing here does I/O.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from livechat_shared.contracts import AssignmentMethod, TeamspaceSettings

from .schemas import Candidate, Considered, Decision, Exclusion, Handoff, RoutingState

# --- eligibility ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Screening:
    """Every candidate with the first rule they failed (``None``: eligible), and the eligible ones
    in the order given."""

    verdicts: list[tuple[Candidate, Exclusion | None]]
    language_fallback: bool = False
    """A language was asked and nobody otherwise eligible speaks it: any language is eligible."""

    @property
    def eligible(self) -> list[Candidate]:
        return [candidate for candidate, excluded in self.verdicts if excluded is None]


def speaks(candidate: Candidate, language: str) -> bool:
    """Whether the candidate speaks the language, compared by primary subtag (``de-AT`` is ``de``)
    and regardless of case."""
    wanted = _primary(language)
    return any(_primary(spoken) == wanted for spoken in candidate.languages)


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-", 1)[0].strip().lower()


def online_only(handoff: Handoff, settings: TeamspaceSettings) -> bool:
    """Only online agents are eligible when the handoff or the teamspace asks for the availability
    check (either one is enough: a chat never goes to an agent someone wanted online)."""
    return handoff.availability_check or settings.availability_check


def _exclusion(
    candidate: Candidate, handoff: Handoff, settings: TeamspaceSettings, teams: set[str]
) -> Exclusion | None:
    if not candidate.active:
        return "deactivated"
    targeted = not handoff.user_ids and not handoff.team_ids
    if not targeted and candidate.user_id not in handoff.user_ids and teams.isdisjoint(candidate.team_ids):
        return "not_targeted"
    if online_only(handoff, settings) and candidate.presence != "online":
        return candidate.presence
    if settings.max_auto_chats and candidate.open_chats >= settings.max_auto_chats:
        return "teamspace_limit"
    if candidate.max_chats is not None and candidate.open_chats >= candidate.max_chats:
        return "personal_limit"
    return None


def screen(candidates: Sequence[Candidate], handoff: Handoff, settings: TeamspaceSettings) -> Screening:
    """Judge every candidate of the teamspace for the handoff.

    Eligible: active, one of the handoff's target users or a member of one of its target teams
    (no targets: everyone), online when the availability check is on, under the teamspace's
    ``max_auto_chats`` (0: no limit) and under their personal ``max_chats`` (``None``: no limit).
    When the handoff asks for a language, only those who speak it stay eligible; if none of them
    does, nobody is left out for language and ``language_fallback`` says so (the chat is better
    answered in another language than left waiting).
    """
    teams = set(handoff.team_ids)
    verdicts = [(c, _exclusion(c, handoff, settings, teams)) for c in candidates]
    if handoff.language is None:
        return Screening(verdicts)
    language = handoff.language
    if not any(excluded is None and speaks(c, language) for c, excluded in verdicts):
        return Screening(verdicts, language_fallback=any(excluded is None for _, excluded in verdicts))
    return Screening(
        [
            (c, "language" if excluded is None and not speaks(c, language) else excluded)
            for c, excluded in verdicts
        ]
    )


def eligible(
    candidates: Sequence[Candidate], handoff: Handoff, settings: TeamspaceSettings
) -> list[Candidate]:
    """The candidates the handoff may go to, in the order given (see :func:`screen`)."""
    return screen(candidates, handoff, settings).eligible


# --- strategies -------------------------------------------------------------------------------

_NOT_ONLINE = datetime.max.replace(tzinfo=UTC)


def online_order(candidate: Candidate) -> tuple[datetime, str]:
    """Who came online first, then by user id; those not online (no ``online_since``) last."""
    return (candidate.online_since or _NOT_ONLINE, candidate.user_id)


@dataclass(frozen=True)
class PickState:
    """What a strategy knows beyond the eligible agents: the teamspace's routing memory and the
    source of randomness (injected, so a seed makes a pick repeatable)."""

    memory: RoutingState
    rng: random.Random


class Strategy(Protocol):
    """An assignment method: picks one of the eligible agents (``None``: nobody is auto-assigned)."""

    def pick(self, eligible: Sequence[Candidate], state: PickState) -> Candidate | None: ...

    def explain(
        self, chosen: Candidate | None, eligible: Sequence[Candidate], state: PickState
    ) -> str | None:
        """Why this pick, for the decision log; ``None`` when there is nothing to add to why nobody
        was eligible."""
        ...


def _chats(count: int) -> str:
    return f"{count} open chat" + ("" if count == 1 else "s")


def _others(count: int) -> str:
    return f"{count} other" + ("" if count == 1 else "s")


class Balanced:
    """The eligible agent with the fewest open chats; ties go to who came online first, then by id."""

    def pick(self, eligible: Sequence[Candidate], state: PickState) -> Candidate | None:
        return min(eligible, key=lambda c: (c.open_chats, *online_order(c)), default=None)

    def explain(
        self, chosen: Candidate | None, eligible: Sequence[Candidate], state: PickState
    ) -> str | None:
        if chosen is None:
            return None
        if len(eligible) == 1:
            return f"balanced: {chosen.label} has {_chats(chosen.open_chats)}, the only eligible agent"
        tied = sum(1 for c in eligible if c.open_chats == chosen.open_chats) - 1
        fewest = f"the fewest of {len(eligible)} eligible"
        reason = f"balanced: {chosen.label} has {_chats(chosen.open_chats)}, {fewest}"
        return reason + (f" (tied with {_others(tied)}; first in online order)" if tied else "")


class RoundRobin:
    """Eligible agents in the order they came online, cycling: the first one after the last pick's
    place in that order, or the first one again after the last. The last pick need not be eligible
    any more (gone offline, at a limit): the cycle goes on from where they were."""

    def pick(self, eligible: Sequence[Candidate], state: PickState) -> Candidate | None:
        ordered = sorted(eligible, key=online_order)
        if not ordered:
            return None
        mark = _mark(state.memory)
        if mark is None:
            return ordered[0]
        return next((c for c in ordered if online_order(c) > mark), ordered[0])

    def explain(
        self, chosen: Candidate | None, eligible: Sequence[Candidate], state: PickState
    ) -> str | None:
        if chosen is None:
            return None
        ordered = sorted(eligible, key=online_order)
        place = f"{ordered.index(chosen) + 1} of {len(ordered)} eligible"
        mark = _mark(state.memory)
        if mark is None:
            return f"round robin: {chosen.label} is first in online order ({place})"
        last = next((c.label for c in eligible if c.user_id == mark[1]), mark[1])
        if online_order(chosen) > mark:
            return f"round robin: {chosen.label} is next after {last} in online order ({place})"
        return f"round robin: {chosen.label} is first in online order ({place}), cycling after {last}"


def _mark(memory: RoutingState) -> tuple[datetime, str] | None:
    """The last pick's place in the online order, as it was when they were picked."""
    if memory.last_user_id is None:
        return None
    return (memory.last_online_since or _NOT_ONLINE, memory.last_user_id)


class RandomPick:
    """A random eligible agent, drawn with the injected random source from the agents in online
    order (so the same seed picks the same agent whatever order the candidates came in)."""

    def pick(self, eligible: Sequence[Candidate], state: PickState) -> Candidate | None:
        ordered = sorted(eligible, key=online_order)
        return state.rng.choice(ordered) if ordered else None

    def explain(
        self, chosen: Candidate | None, eligible: Sequence[Candidate], state: PickState
    ) -> str | None:
        return None if chosen is None else f"random: {chosen.label} drawn from {len(eligible)} eligible"


class Voluntary:
    """Nobody is auto-assigned: the chat waits in the pending queue until an agent claims it."""

    def pick(self, eligible: Sequence[Candidate], state: PickState) -> Candidate | None:
        return None

    def explain(
        self, chosen: Candidate | None, eligible: Sequence[Candidate], state: PickState
    ) -> str | None:
        return "voluntary: waits to be claimed"


STRATEGIES: dict[AssignmentMethod, Strategy] = {
    "balanced": Balanced(),
    "round_robin": RoundRobin(),
    "random": RandomPick(),
    "voluntary": Voluntary(),
}
"""The strategy of each assignment method of the teamspace settings."""


# --- the decision -----------------------------------------------------------------------------

_EXCLUSIONS: dict[Exclusion, str] = {
    "deactivated": "deactivated",
    "not_targeted": "not targeted",
    "away": "away",
    "offline": "offline",
    "teamspace_limit": "at the teamspace limit",
    "personal_limit": "at their personal limit",
    "language": "not speaking the language",
}


def nobody_eligible(screening: Screening) -> str:
    """Why nobody is eligible: ``nobody eligible: 2 agents offline, 1 at the teamspace limit``."""
    if not screening.verdicts:
        return "nobody eligible: the teamspace has no agents"
    counts = Counter(excluded for _, excluded in screening.verdicts if excluded is not None)
    parts: list[str] = []
    for kind, label in _EXCLUSIONS.items():
        if counts[kind]:
            noun = "" if parts else " agent" if counts[kind] == 1 else " agents"
            parts.append(f"{counts[kind]}{noun} {label}")
    return "nobody eligible: " + ", ".join(parts)


def decide(
    candidates: Sequence[Candidate],
    handoff: Handoff,
    settings: TeamspaceSettings,
    state: RoutingState,
    rng: random.Random,
) -> Decision:
    """Who the handed-off chat goes to under the teamspace's settings, and why.

    ``user_id`` ``None``: the chat waits in the pending queue (voluntary, or nobody eligible).
    ``next_state`` remembers the pick (whatever the method, so a switch to round robin goes on
    from it); it is ``state`` unchanged when nobody was picked.
    """
    screening = screen(candidates, handoff, settings)
    strategy = STRATEGIES[settings.method]
    pick_state = PickState(state, rng)
    chosen = strategy.pick(screening.eligible, pick_state)
    said = strategy.explain(chosen, screening.eligible, pick_state)
    if screening.eligible:
        reason = said or f"{settings.method}: nobody picked of {len(screening.eligible)} eligible"
    else:
        reason = nobody_eligible(screening) if said is None else f"{said}; {nobody_eligible(screening)}"
    if screening.language_fallback:
        reason += f"; nobody eligible speaks {handoff.language!r}, so any language"
    return Decision(
        teamspace_id=handoff.teamspace_id,
        method=settings.method,
        user_id=None if chosen is None else chosen.user_id,
        reason=reason,
        considered=[
            Considered(
                user_id=c.user_id,
                name=c.name,
                presence=c.presence,
                online_since=c.online_since,
                open_chats=c.open_chats,
                max_chats=c.max_chats,
                excluded=excluded,
            )
            for c, excluded in screening.verdicts
        ],
        language=handoff.language,
        language_fallback=screening.language_fallback,
        next_state=state
        if chosen is None
        else RoutingState(last_user_id=chosen.user_id, last_online_since=chosen.online_since),
    )
