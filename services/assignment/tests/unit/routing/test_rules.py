"""Who is eligible for a handoff, and the decision (pick and reason) under each method."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from assignment.routing.rules import decide, eligible, screen, speaks
from assignment.routing.schemas import Candidate, Decision, Handoff, RoutingState
from livechat_shared.contracts import AssignmentMethod, TeamspaceSettings
from pydantic import ValidationError

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def agent(user_id: str, *, minute: int = 0, **fields: Any) -> Candidate:
    """An online agent, who came online ``minute`` minutes after nine, with no open chats."""
    values: dict[str, Any] = {
        "user_id": user_id,
        "name": user_id.title(),
        "presence": "online",
        "online_since": T0 + timedelta(minutes=minute),
        **fields,
    }
    if values["presence"] != "online" and "online_since" not in fields:
        values["online_since"] = None
    return Candidate(**values)


def handoff(**fields: Any) -> Handoff:
    return Handoff(teamspace_id="ts-1", **fields)


def settings(**fields: Any) -> TeamspaceSettings:
    return TeamspaceSettings(**{"max_auto_chats": 0, **fields})


def ids(candidates: list[Candidate]) -> list[str]:
    return [c.user_id for c in candidates]


def run(
    candidates: list[Candidate],
    method: AssignmentMethod = "balanced",
    *,
    target: Handoff | None = None,
    memory: RoutingState | None = None,
    seed: int = 0,
    **rules: Any,
) -> Decision:
    return decide(
        candidates,
        target or handoff(),
        settings(method=method, **rules),
        memory or RoutingState(),
        random.Random(seed),
    )


# --- the values -------------------------------------------------------------------------------


def test_a_candidate_refuses_a_naive_time_negative_loads_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        Candidate(user_id="u", online_since=datetime(2025, 3, 1, 9, 0))
    with pytest.raises(ValidationError):
        Candidate(user_id="u", open_chats=-1)
    with pytest.raises(ValidationError):
        Candidate(user_id="u", max_chats=-1)
    with pytest.raises(ValidationError):
        Candidate.model_validate({"user_id": "u", "presence": "busy"})
    with pytest.raises(ValidationError):
        Handoff.model_validate({"teamspace_id": "ts", "users": ["u"]})


# --- eligibility: targets ---------------------------------------------------------------------

POOL = [
    agent("ana", team_ids=["sales"]),
    agent("bo", team_ids=["support"]),
    agent("cy", team_ids=["sales", "support"]),
    agent("dan"),
]


def test_no_targets_means_every_candidate_of_the_teamspace() -> None:
    assert ids(eligible(POOL, handoff(), settings())) == ["ana", "bo", "cy", "dan"]


def test_target_users_only() -> None:
    assert ids(eligible(POOL, handoff(user_ids=["dan", "bo"]), settings())) == ["bo", "dan"]


def test_target_teams_are_their_members() -> None:
    assert ids(eligible(POOL, handoff(team_ids=["sales"]), settings())) == ["ana", "cy"]


def test_target_users_and_teams_together_are_both() -> None:
    assert ids(eligible(POOL, handoff(user_ids=["dan"], team_ids=["support"]), settings())) == [
        "bo",
        "cy",
        "dan",
    ]


def test_targets_nobody_in_the_pool_leaves_nobody() -> None:
    assert eligible(POOL, handoff(user_ids=["ghost"], team_ids=["nowhere"]), settings()) == []


def test_a_deactivated_agent_is_never_eligible() -> None:
    pool = [agent("ana", active=False), agent("bo")]
    assert ids(eligible(pool, handoff(user_ids=["ana", "bo"]), settings())) == ["bo"]


# --- eligibility: presence --------------------------------------------------------------------

PRESENCES = [agent("ana"), agent("bo", presence="away"), agent("cy", presence="offline")]


def test_the_availability_check_keeps_online_agents_only() -> None:
    assert ids(eligible(PRESENCES, handoff(), settings())) == ["ana"]
    verdicts = [excluded for _, excluded in screen(PRESENCES, handoff(), settings()).verdicts]
    assert verdicts == [None, "away", "offline"]


def test_without_any_availability_check_presence_does_not_matter() -> None:
    both_off = eligible(PRESENCES, handoff(availability_check=False), settings(availability_check=False))
    assert ids(both_off) == ["ana", "bo", "cy"]


@pytest.mark.parametrize(("on_handoff", "on_teamspace"), [(True, False), (False, True)])
def test_either_availability_check_is_enough(on_handoff: bool, on_teamspace: bool) -> None:
    chosen = eligible(
        PRESENCES, handoff(availability_check=on_handoff), settings(availability_check=on_teamspace)
    )
    assert ids(chosen) == ["ana"]


# --- eligibility: limits ----------------------------------------------------------------------


def test_the_teamspace_limit_leaves_out_agents_at_or_over_it() -> None:
    pool = [agent("ana", open_chats=2), agent("bo", open_chats=3), agent("cy", open_chats=4)]
    screening = screen(pool, handoff(), settings(max_auto_chats=3))
    assert ids(screening.eligible) == ["ana"]
    assert [excluded for _, excluded in screening.verdicts] == [None, "teamspace_limit", "teamspace_limit"]


def test_a_teamspace_limit_of_zero_is_no_limit() -> None:
    pool = [agent("ana", open_chats=0), agent("bo", open_chats=999)]
    assert ids(eligible(pool, handoff(), settings(max_auto_chats=0))) == ["ana", "bo"]


def test_the_personal_limit_applies_under_the_teamspace_limit() -> None:
    pool = [
        agent("ana", open_chats=2, max_chats=2),
        agent("bo", open_chats=2, max_chats=3),
        agent("cy", open_chats=2),
    ]
    screening = screen(pool, handoff(), settings(max_auto_chats=5))
    assert ids(screening.eligible) == ["bo", "cy"]
    assert screening.verdicts[0][1] == "personal_limit"


def test_a_personal_limit_above_the_teamspace_limit_does_not_raise_it() -> None:
    pool = [agent("ana", open_chats=3, max_chats=10)]
    assert eligible(pool, handoff(), settings(max_auto_chats=3)) == []


def test_a_personal_limit_applies_when_the_teamspace_has_none() -> None:
    pool = [agent("ana", open_chats=4, max_chats=4), agent("bo", open_chats=4)]
    assert ids(eligible(pool, handoff(), settings(max_auto_chats=0))) == ["bo"]


def test_a_personal_limit_of_zero_means_no_auto_assigned_chats() -> None:
    """Unlike the teamspace's 0 (no limit): ``None`` is the agent's "no personal limit"."""
    pool = [agent("ana", max_chats=0), agent("bo", max_chats=None)]
    assert ids(eligible(pool, handoff(), settings(max_auto_chats=0))) == ["bo"]


# --- eligibility: language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spoken", "asked", "match"),
    [
        (["de"], "de", True),
        (["en", "DE"], "de", True),
        (["de"], "de-AT", True),
        (["de_CH"], "de", True),
        (["fr"], "de", False),
        ([], "de", False),
    ],
)
def test_speaks_compares_the_primary_language(spoken: list[str], asked: str, match: bool) -> None:
    assert speaks(agent("ana", languages=spoken), asked) is match


def test_only_speakers_of_the_asked_language_are_eligible() -> None:
    pool = [agent("ana", languages=["en"]), agent("bo", languages=["de", "en"]), agent("cy")]
    screening = screen(pool, handoff(language="de"), settings())
    assert ids(screening.eligible) == ["bo"]
    assert [excluded for _, excluded in screening.verdicts] == ["language", None, "language"]
    assert not screening.language_fallback


def test_a_speaker_who_is_not_otherwise_eligible_does_not_count() -> None:
    """The offline German speaker is no reason to leave the English speakers out: fallback."""
    pool = [agent("ana", languages=["en"]), agent("bo", languages=["de"], presence="offline")]
    screening = screen(pool, handoff(language="de"), settings())
    assert ids(screening.eligible) == ["ana"]
    assert screening.language_fallback


def test_when_nobody_eligible_speaks_the_language_any_language_is_eligible() -> None:
    pool = [agent("ana", languages=["en"]), agent("bo", languages=["fr"])]
    screening = screen(pool, handoff(language="de"), settings())
    assert ids(screening.eligible) == ["ana", "bo"]
    assert screening.language_fallback


def test_no_fallback_is_reported_when_nobody_is_eligible_at_all() -> None:
    screening = screen([agent("ana", presence="offline")], handoff(language="de"), settings())
    assert screening.eligible == []
    assert not screening.language_fallback


# --- decide -----------------------------------------------------------------------------------


def test_balanced_decision_and_its_reason() -> None:
    pool = [agent("ana", open_chats=1), agent("bo", open_chats=2), agent("cy", open_chats=3)]
    decision = run(pool, "balanced")
    assert decision.user_id == "ana"
    assert decision.method == "balanced"
    assert decision.teamspace_id == "ts-1"
    assert decision.reason == "balanced: Ana has 1 open chat, the fewest of 3 eligible"


def test_balanced_reason_tells_a_tie_and_a_single_candidate() -> None:
    tied = run(
        [agent("ana", open_chats=2, minute=1), agent("bo", open_chats=2, minute=2), agent("cy", open_chats=5)]
    )
    assert tied.user_id == "ana"
    assert tied.reason == (
        "balanced: Ana has 2 open chats, the fewest of 3 eligible (tied with 1 other; first in online order)"
    )
    single = run([agent("ana"), agent("bo", presence="offline")])
    assert single.reason == "balanced: Ana has 0 open chats, the only eligible agent"


def test_the_decision_records_every_candidate_with_load_and_verdict() -> None:
    pool = [
        agent("ana", open_chats=1, max_chats=4),
        agent("bo", presence="offline"),
        agent("cy", open_chats=3),
        agent("dan", team_ids=["x"]),
    ]
    decision = run(pool, target=handoff(team_ids=["x"], user_ids=["ana", "bo", "cy"]), max_auto_chats=3)
    assert [(c.user_id, c.open_chats, c.presence, c.excluded) for c in decision.considered] == [
        ("ana", 1, "online", None),
        ("bo", 0, "offline", "offline"),
        ("cy", 3, "online", "teamspace_limit"),
        ("dan", 0, "online", None),
    ]
    assert decision.considered[0].max_chats == 4
    assert decision.considered[0].online_since == T0
    assert decision.eligible_user_ids == ["ana", "dan"]
    assert decision.user_id == "dan"


def test_the_decision_is_a_record_the_log_can_store() -> None:
    decision = run([agent("ana", open_chats=1)], target=handoff(language="de"))
    again = Decision.model_validate_json(decision.model_dump_json())
    assert again == decision


def test_nobody_eligible_says_why() -> None:
    pool = [
        agent("ana", presence="offline"),
        agent("bo", presence="offline"),
        agent("cy", open_chats=5),
        agent("dan", presence="away"),
    ]
    decision = run(pool, max_auto_chats=5)
    assert decision.user_id is None
    assert decision.reason == "nobody eligible: 1 agent away, 2 offline, 1 at the teamspace limit"
    assert decision.next_state == RoutingState()


def test_nobody_eligible_counts_every_kind_of_exclusion() -> None:
    pool = [
        agent("ana", active=False),
        agent("bo", team_ids=["other"]),
        agent("cy", open_chats=1, max_chats=1),
        agent("dan", open_chats=2),
        agent("eve", open_chats=2),
    ]
    decision = run(
        pool, "round_robin", target=handoff(user_ids=["ana", "cy", "dan", "eve"]), max_auto_chats=2
    )
    assert decision.reason == (
        "nobody eligible: 1 agent deactivated, 1 not targeted, 2 at the teamspace limit, "
        "1 at their personal limit"
    )


@pytest.mark.parametrize("method", ["balanced", "round_robin", "random"])
def test_an_empty_teamspace_leaves_the_chat_pending(method: AssignmentMethod) -> None:
    decision = run([], method)
    assert decision.user_id is None
    assert decision.considered == []
    assert decision.reason == "nobody eligible: the teamspace has no agents"


def test_voluntary_waits_to_be_claimed_even_with_eligible_agents() -> None:
    decision = run([agent("ana"), agent("bo")], "voluntary", memory=RoutingState(last_user_id="ana"))
    assert decision.user_id is None
    assert decision.reason == "voluntary: waits to be claimed"
    assert decision.eligible_user_ids == ["ana", "bo"]
    assert decision.next_state == RoutingState(last_user_id="ana")


def test_voluntary_with_nobody_eligible_says_both() -> None:
    decision = run([agent("ana", presence="offline")], "voluntary")
    assert decision.reason == "voluntary: waits to be claimed; nobody eligible: 1 agent offline"


def test_round_robin_decisions_cycle_through_next_state() -> None:
    pool = [agent("ana", minute=3), agent("bo", minute=1), agent("cy", minute=2)]
    memory = RoutingState()
    reasons, picks = [], []
    for _ in range(4):
        decision = run(pool, "round_robin", memory=memory)
        picks.append(decision.user_id)
        reasons.append(decision.reason)
        memory = decision.next_state
    assert picks == ["bo", "cy", "ana", "bo"]
    assert reasons == [
        "round robin: Bo is first in online order (1 of 3 eligible)",
        "round robin: Cy is next after Bo in online order (2 of 3 eligible)",
        "round robin: Ana is next after Cy in online order (3 of 3 eligible)",
        "round robin: Bo is first in online order (1 of 3 eligible), cycling after Ana",
    ]
    assert memory == RoutingState(last_user_id="bo", last_online_since=T0 + timedelta(minutes=1))


def test_round_robin_after_the_last_pick_went_offline_names_them_by_id() -> None:
    pool = [agent("ana", minute=1), agent("bo", minute=2, presence="offline"), agent("cy", minute=3)]
    memory = RoutingState(last_user_id="bo", last_online_since=T0 + timedelta(minutes=2))
    decision = run(pool, "round_robin", memory=memory)
    assert decision.user_id == "cy"
    assert decision.reason == "round robin: Cy is next after bo in online order (2 of 2 eligible)"


def test_random_decisions_are_repeatable_and_only_pick_eligible_agents() -> None:
    pool = [agent(f"u{i}", minute=i) for i in range(5)] + [
        agent("off", presence="offline"),
        agent("full", open_chats=3),
    ]
    picks = [run(pool, "random", seed=seed, max_auto_chats=3).user_id for seed in range(50)]
    assert picks == [run(pool, "random", seed=seed, max_auto_chats=3).user_id for seed in range(50)]
    assert set(picks) == {"u0", "u1", "u2", "u3", "u4"}
    decision = run(pool, "random", seed=3, max_auto_chats=3)
    assert decision.user_id is not None
    assert decision.reason == f"random: {decision.user_id.title()} drawn from 5 eligible"


def test_the_language_fallback_is_in_the_reason_and_the_record() -> None:
    pool = [agent("ana", languages=["en"], open_chats=1), agent("bo", languages=["fr"], open_chats=2)]
    decision = run(pool, target=handoff(language="de"))
    assert decision.user_id == "ana"
    assert decision.language == "de"
    assert decision.language_fallback
    assert decision.reason == (
        "balanced: Ana has 1 open chat, the fewest of 2 eligible; "
        "nobody eligible speaks 'de', so any language"
    )


def test_a_speaker_is_preferred_over_a_less_loaded_agent() -> None:
    pool = [agent("ana", languages=["en"], open_chats=0), agent("bo", languages=["de"], open_chats=4)]
    decision = run(pool, target=handoff(language="de"))
    assert decision.user_id == "bo"
    assert not decision.language_fallback
    assert decision.considered[0].excluded == "language"


def test_next_state_remembers_any_pick_with_its_online_time() -> None:
    decision = run([agent("ana", minute=7)], "random")
    assert decision.next_state == RoutingState(
        last_user_id="ana", last_online_since=T0 + timedelta(minutes=7)
    )
