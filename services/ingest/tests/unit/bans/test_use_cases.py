"""Bans at the edge over an in-memory copy: a banned person's message stops before anything is
published or stored, the newest change of a person wins, an unban lifts only the ban it names, and
a ban ends on its own at ``until``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.bans.rules import in_force
from ingest.bans.schemas import BanKey, person_key
from ingest.bans.use_cases import EdgeBans
from ingest.core.inbound import InboundAcceptor
from livechat_shared.contracts import BanChangedV1, MessageReceivedV1, PersonRef

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


class InMemoryCopy:
    """The repository's contract: newest change per person, an unban only of the named ban."""

    def __init__(self) -> None:
        self.items: dict[BanKey, tuple[datetime, BanChangedV1]] = {}

    async def apply(self, event: BanChangedV1, at: datetime) -> bool:
        key = person_key(event.app_id, event.person_external_id)
        stored = self.items.get(key)
        if stored is not None and stored[0] >= at:
            return False
        if not event.active and (stored is None or stored[1].ban_id != event.ban_id):
            return False
        self.items[key] = (at, event)
        return True

    async def active(self, now: datetime) -> dict[BanKey, datetime | None]:
        return {k: e.until for k, (_, e) in self.items.items() if e.active and in_force(e.until, now)}


def ban(ban_id: str = "ban-1", *, active: bool = True, until: datetime | None = None) -> BanChangedV1:
    return BanChangedV1(
        ban_id=ban_id,
        person_id="p-1",
        app_id="app-1",
        channel="whatsapp",
        person_external_id="15551234567",
        teamspace_id="ts-1",
        active=active,
        until=until,
        reason_id="spam",
    )


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def edge() -> tuple[EdgeBans, Clock, list[str]]:
    clock, stopped = Clock(), list[str]()
    return EdgeBans(InMemoryCopy(), clock=clock, on_stopped=stopped.append), clock, stopped


async def test_a_ban_stops_the_persons_messages_until_it_ends_and_counts_them() -> None:
    bans, clock, stopped = edge()
    await bans.changed(ban(until=T0 + timedelta(hours=1)), T0)

    assert bans.stops("app-1", "15551234567", "whatsapp")
    assert not bans.stops("app-1", "someone-else", "whatsapp")
    assert not bans.stops("app-2", "15551234567", "whatsapp")  # the same number on another app
    clock.now = T0 + timedelta(hours=1)
    assert not bans.stops("app-1", "15551234567", "whatsapp")  # ended on its own
    assert stopped == ["whatsapp"]


async def test_an_unban_lifts_only_its_ban_and_a_stale_change_changes_nothing() -> None:
    bans, _, _ = edge()
    await bans.changed(ban("ban-1"), T0)
    await bans.changed(ban("ban-2"), T0 + timedelta(minutes=1))  # overrides ban-1
    await bans.changed(ban("ban-1", active=False), T0 + timedelta(minutes=2))  # the old one's unban
    assert bans.stops("app-1", "15551234567", "whatsapp")

    await bans.changed(ban("ban-2", active=False), T0 + timedelta(minutes=3))
    assert not bans.stops("app-1", "15551234567", "whatsapp")
    await bans.changed(ban("ban-2"), T0 + timedelta(minutes=1))  # redelivered late: older than the unban
    assert not bans.stops("app-1", "15551234567", "whatsapp")


async def test_a_banned_persons_message_is_neither_published_nor_stored(
    inbound_keys: Any, publisher: Any
) -> None:
    bans, _, stopped = edge()
    await bans.changed(ban(), T0)
    acceptor = InboundAcceptor(inbound_keys, publisher, bans)
    message = MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        channel="whatsapp",
        external_message_id="wamid.1",
        person=PersonRef(external_id="15551234567"),
        text="spam",
        received_at=T0,
    )

    assert await acceptor.accept(message, "ws-1") == "banned"
    assert (publisher.published, inbound_keys.stored, stopped) == ([], {}, ["whatsapp"])
    other = message.model_copy(
        update={"person": PersonRef(external_id="other"), "external_message_id": "wamid.2"}
    )
    assert await acceptor.accept(other, "ws-1") == "accepted"
