"""Presence transitions: when ``online_since`` is set, kept and cleared, and what changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from assignment.presence.rules import may_see_presence, transition
from assignment.presence.schemas import PresenceState
from livechat_shared.auth import Principal, Role

T0 = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
NEVER = PresenceState()


def test_a_user_never_seen_is_offline_at_version_zero() -> None:
    assert (NEVER.status, NEVER.online_since, NEVER.changed_at, NEVER.version) == ("offline", None, None, 0)


def test_coming_online_from_offline_starts_online_since() -> None:
    assert transition(NEVER, "online", T0) == PresenceState(
        status="online", online_since=T0, changed_at=T0, version=1
    )


SETTLED = [
    PresenceState(status="online", online_since=T0, changed_at=T0, version=3),
    PresenceState(status="away", online_since=T0, changed_at=T0, version=3),
    PresenceState(status="away", online_since=None, changed_at=T0, version=3),
    PresenceState(status="offline", online_since=None, changed_at=T0, version=3),
    NEVER,
]


@pytest.mark.parametrize("current", SETTLED, ids=lambda s: f"{s.status}-v{s.version}")
def test_asking_for_the_current_status_changes_nothing(current: PresenceState) -> None:
    assert transition(current, current.status, T1) is None


def test_going_away_keeps_online_since_and_coming_back_keeps_the_place() -> None:
    online = transition(NEVER, "online", T0)
    assert online is not None
    away = transition(online, "away", T1)
    assert away == PresenceState(status="away", online_since=T0, changed_at=T1, version=2)
    back = transition(away, "online", T1 + timedelta(minutes=1))
    assert back is not None and back.online_since == T0 and back.version == 3


def test_going_offline_clears_online_since_and_a_return_starts_again() -> None:
    online = PresenceState(status="online", online_since=T0, changed_at=T0, version=1)
    offline = transition(online, "offline", T1)
    assert offline == PresenceState(status="offline", online_since=None, changed_at=T1, version=2)
    later = T1 + timedelta(hours=1)
    again = transition(offline, "online", later)
    assert again is not None and again.online_since == later


def test_going_away_from_offline_has_no_online_since_until_online() -> None:
    away = transition(NEVER, "away", T0)
    assert away == PresenceState(status="away", online_since=None, changed_at=T0, version=1)
    online = transition(away, "online", T1)
    assert online is not None and online.online_since == T1


def test_away_to_offline_clears_online_since() -> None:
    away = PresenceState(status="away", online_since=T0, changed_at=T1, version=2)
    offline = transition(away, "offline", T1 + timedelta(seconds=1))
    assert offline is not None and offline.online_since is None and offline.version == 3


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_see_the_workspace_presence(role: Role) -> None:
    assert may_see_presence(Principal(user_id="u", workspace_id="W1", role=role))
