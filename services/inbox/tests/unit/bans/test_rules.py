"""The pure rules of banning: who may, a ban's length by offence count, expiry against a given
clock, and what becomes of the previous ban."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from inbox.bans.rules import (
    ban_length,
    is_active,
    lifted,
    may_ban,
    may_change_settings,
    may_read_settings,
    offence_number,
    replaced,
    rule_length,
    stored_time,
    until,
    view,
)
from inbox.bans.schemas import Ban
from inbox.errors import BanNotActive
from livechat_shared.auth import Permission, Principal, Role

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class R:
    offences: int
    length_minutes: int | None


RULES = [R(1, 60), R(3, 24 * 60), R(5, None)]


def ban(length: int | None = 60, **changes: object) -> Ban:
    values: dict[str, object] = {
        "id": "ban-1",
        "workspace_id": "ws-1",
        "teamspace_id": "ts-1",
        "person_id": "p-1",
        "app_id": "app-1",
        "channel": "webchat",
        "person_external_id": "visitor-1",
        "reason_id": "r-1",
        "reason": "Spam",
        "offence": 1,
        "length_minutes": length,
        "banned_by": "u-1",
        "created_at": T0,
        "until": until(T0, length),
    }
    return Ban.model_validate({**values, **changes})


def user(role: Role, *grants: Permission) -> Principal:
    return Principal(user_id="u", workspace_id="ws-1", role=role, grants=frozenset(grants))


def test_who_may_read_change_and_ban() -> None:
    admin, supervisor, agent = user(Role.ADMIN), user(Role.SUPERVISOR), user(Role.AGENT)
    assert all(may_read_settings(u) for u in (admin, supervisor, agent))
    assert (may_change_settings(admin), may_change_settings(supervisor), may_change_settings(agent)) == (
        True,
        True,
        False,
    )
    assert (may_ban(admin), may_ban(supervisor), may_ban(agent)) == (True, True, False)
    assert may_ban(user(Role.AGENT, Permission.BAN))
    assert not may_change_settings(user(Role.AGENT, Permission.BAN))
    assert may_change_settings(user(Role.AGENT, Permission.SETTINGS))


def test_every_earlier_ban_is_an_offence() -> None:
    assert [offence_number(n) for n in (0, 1, 7)] == [1, 2, 8]


@pytest.mark.parametrize(
    ("offence", "expected"),
    [(1, 60), (2, 60), (3, 24 * 60), (4, 24 * 60), (5, None), (99, None)],
)
def test_the_rule_with_the_largest_offence_count_not_above_the_offence_applies(
    offence: int, expected: int | None
) -> None:
    assert rule_length(RULES, offence) == expected
    assert rule_length(list(reversed(RULES)), offence) == expected  # whatever order they come in


def test_without_a_matching_rule_a_ban_is_permanent() -> None:
    assert rule_length([], 1) is None
    assert rule_length([R(2, 30)], 1) is None
    assert rule_length([R(2, 30)], 2) == 30


def test_a_given_length_wins_over_the_rules() -> None:
    assert ban_length(by_rule=True, given=None, rules=RULES, offence=3) == 24 * 60
    assert ban_length(by_rule=False, given=5, rules=RULES, offence=3) == 5
    assert ban_length(by_rule=False, given=None, rules=RULES, offence=1) is None  # null: permanent


def test_until() -> None:
    assert until(T0, 90) == T0 + timedelta(minutes=90)
    assert until(T0, None) is None


def test_a_ban_expires_at_its_until_against_the_given_clock() -> None:
    hour = ban(60)
    assert is_active(hour, T0)
    assert is_active(hour, T0 + timedelta(minutes=59, seconds=59, microseconds=999_999))
    assert not is_active(hour, T0 + timedelta(minutes=60))
    assert not is_active(hour, T0 + timedelta(days=400))
    permanent = ban(None)
    assert is_active(permanent, T0 + timedelta(days=10 * 365))
    assert not is_active(permanent.model_copy(update={"ended_at": T0}), T0 + timedelta(seconds=1))
    assert view(hour, T0).active and not view(hour, T0 + timedelta(hours=2)).active
    assert "current" not in view(hour, T0).model_dump()


def test_a_new_ban_overrides_an_active_ban() -> None:
    at = T0 + timedelta(minutes=10)
    ended, overridden = replaced(ban(60), at, "u-2")
    assert overridden
    assert (ended.current, ended.ended_at, ended.ended_reason, ended.ended_by) == (
        False,
        at,
        "overridden",
        "u-2",
    )
    assert not is_active(ended, at)
    assert ended.until == T0 + timedelta(minutes=60)  # what it was set to stays


def test_a_new_ban_only_retires_an_expired_ban() -> None:
    at = T0 + timedelta(hours=2)
    ended, overridden = replaced(ban(60), at, "u-2")
    assert not overridden
    assert (ended.current, ended.ended_at, ended.ended_reason, ended.ended_by) == (False, None, None, None)


def test_unbanning_lifts_an_active_ban_only() -> None:
    at = T0 + timedelta(minutes=5)
    done = lifted(ban(None), at, "u-3")
    assert (done.current, done.ended_at, done.ended_reason, done.ended_by) == (False, at, "unbanned", "u-3")
    with pytest.raises(BanNotActive, match="unbanned"):
        lifted(done, at, "u-3")
    with pytest.raises(BanNotActive, match="expired"):
        lifted(ban(60), T0 + timedelta(hours=1), "u-3")


def test_stored_time_keeps_milliseconds() -> None:
    assert stored_time(T0.replace(microsecond=123_456)) == T0.replace(microsecond=123_000)
