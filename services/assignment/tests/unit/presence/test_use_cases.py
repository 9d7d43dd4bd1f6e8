"""Presence use cases against in-memory fakes: what is stored, what is announced, and listing."""

from __future__ import annotations

from typing import Any

import pytest
from assignment.errors import WriteConflict
from assignment.presence.schemas import PresencePut, PresenceView
from assignment.presence.use_cases import PresenceUseCases
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import PresenceChangedV1
from pydantic import ValidationError

from .conftest import START, Clock, FakePresence


def put(status: str) -> PresencePut:
    return PresencePut.model_validate({"status": status})


def announced(outbox: Any) -> list[tuple[str, PresenceChangedV1]]:
    return [(e.workspace_id, e.open(PresenceChangedV1)) for e in outbox.events]


async def test_coming_online_is_stored_and_announced(
    presence: PresenceUseCases, presence_store: FakePresence, agent: Principal, outbox: Any
) -> None:
    view = await presence.set(agent, put("online"))
    at = START.replace(microsecond=123000)  # kept to the millisecond, as the database keeps it
    assert view == PresenceView(user_id="u-agent", status="online", online_since=at, changed_at=at, version=1)
    assert presence_store.items["u-agent"][0] == "W1"
    assert announced(outbox) == [
        (
            "W1",
            PresenceChangedV1(user_id="u-agent", status="online", online_since=at, changed_at=at, version=1),
        )
    ]
    assert outbox.events[0].routing_key == "assignment.presence.changed.v1"


async def test_a_put_that_changes_nothing_announces_nothing(
    presence: PresenceUseCases, agent: Principal, outbox: Any, clock: Clock
) -> None:
    assert (await presence.set(agent, put("offline"))).version == 0  # never seen: already offline
    first = await presence.set(agent, put("online"))
    clock.tick()
    again = await presence.set(agent, put("online"))
    assert again == first
    assert [p.version for _, p in announced(outbox)] == [1]


async def test_transitions_keep_online_since_while_away_and_clear_it_offline(
    presence: PresenceUseCases, agent: Principal, outbox: Any, clock: Clock
) -> None:
    came = (await presence.set(agent, put("online"))).online_since
    clock.tick()
    away = await presence.set(agent, put("away"))
    assert (away.status, away.online_since, away.changed_at) == (
        "away",
        came,
        clock.at.replace(microsecond=123000),
    )
    clock.tick()
    back = await presence.set(agent, put("online"))
    assert back.online_since == came and back.version == 3
    clock.tick()
    gone = await presence.set(agent, put("offline"))
    assert gone.online_since is None and gone.version == 4
    clock.tick()
    anew = await presence.set(agent, put("online"))
    assert anew.online_since == anew.changed_at != came
    events = [p for _, p in announced(outbox)]
    assert [(p.status, p.version) for p in events] == [
        ("online", 1),
        ("away", 2),
        ("online", 3),
        ("offline", 4),
        ("online", 5),
    ]
    assert [p.online_since == came for p in events] == [True, True, True, False, False]


async def test_each_user_has_their_own_presence(
    presence: PresenceUseCases, agent: Principal, supervisor: Principal, stranger: Principal, outbox: Any
) -> None:
    await presence.set(agent, put("online"))
    await presence.set(stranger, put("away"))
    assert (await presence.set(supervisor, put("online"))).version == 1
    assert [(ws, p.user_id, p.status) for ws, p in announced(outbox)] == [
        ("W1", "u-agent", "online"),
        ("W2", "u-other", "away"),
        ("W1", "u-supervisor", "online"),
    ]


async def test_a_lost_race_is_decided_again_and_too_many_are_a_conflict(
    presence: PresenceUseCases, presence_store: FakePresence, agent: Principal, outbox: Any
) -> None:
    presence_store.lose_races = 2
    assert (await presence.set(agent, put("away"))).version == 1
    presence_store.lose_races = 100
    with pytest.raises(WriteConflict):
        await presence.set(agent, put("online"))
    assert presence_store.items["u-agent"][1].status == "away"
    assert len(outbox.events) == 1


async def test_listing_shows_every_active_user_of_the_workspace_offline_by_default(
    presence: PresenceUseCases, member: Any, agent: Principal, admin: Principal, stranger: Principal
) -> None:
    for user_id in ("u-admin", "u-agent", "u-supervisor"):
        member(user_id)
    member("u-gone", active=False)
    member("u-other", workspace_id="W2", role=Role.ADMIN)
    await presence.set(agent, put("online"))
    await presence.set(stranger, put("online"))

    everyone = await presence.list_presence(agent, None, 0, 50)  # an agent sees their colleagues
    assert everyone.total == 3
    assert [(v.user_id, v.status, v.version) for v in everyone.items] == [
        ("u-admin", "offline", 0),
        ("u-agent", "online", 1),
        ("u-supervisor", "offline", 0),
    ]
    online = await presence.list_presence(admin, "online", 0, 50)
    assert [v.user_id for v in online.items] == ["u-agent"] and online.total == 1
    offline = await presence.list_presence(admin, "offline", 1, 1)
    assert [v.user_id for v in offline.items] == ["u-supervisor"] and offline.total == 2
    theirs = await presence.list_presence(stranger, None, 0, 50)
    assert [(v.user_id, v.status) for v in theirs.items] == [("u-other", "online")]


@pytest.mark.parametrize(
    "body",
    [{"status": "busy"}, {"status": "ONLINE"}, {}, {"status": "online", "since": "now"}, {"status": 1}],
)
def test_bad_bodies_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PresencePut.model_validate(body)
