"""Banning against in-memory repositories (``bans/conftest.py``): reasons and rules, a ban's length
by rule, override, unban and expiry against the use cases' clock, the audit trail, the event
announcing each ban and unban, and refusals that store and announce nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from inbox.bans.schemas import (
    BanCreate,
    BanReasonCreate,
    BanReasonUpdate,
    BanRuleCreate,
    BanRuleUpdate,
    BanView,
)
from inbox.errors import (
    BanForbidden,
    BanNotActive,
    BanNotFound,
    DuplicateSetting,
    NoBanReasons,
    PersonNotFound,
    SettingNotFound,
    SettingsForbidden,
    UnknownBanReason,
    WriteConflict,
)
from livechat_shared.auth import Permission, Principal, Role
from livechat_shared.contracts import BanChangedV1
from livechat_shared.pagination import PageParams

from .conftest import START, BanFakes

ADMIN = Principal(user_id="admin-1", workspace_id="ws-1", role=Role.ADMIN, name="Ada")
SUPERVISOR = Principal(user_id="sup-1", workspace_id="ws-1", role=Role.SUPERVISOR, teams=frozenset({"t-1"}))
AGENT = Principal(user_id="agent-1", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}))
BANNER = AGENT.model_copy(update={"user_id": "agent-2", "grants": frozenset({Permission.BAN})})
OUTSIDER = BANNER.model_copy(update={"user_id": "agent-9", "teams": frozenset({"t-9"})})
FOREIGN = Principal(user_id="admin-x", workspace_id="ws-x", role=Role.ADMIN)
PAGE = PageParams(page=1, page_size=50)


async def reason(banning: BanFakes, name: str = "Spam", teamspace_id: str = "ts-1") -> str:
    made = await banning.use_cases.create_reason(ADMIN, BanReasonCreate(teamspace_id=teamspace_id, name=name))
    return made.id


async def rule(banning: BanFakes, offences: int, length: int | None) -> None:
    body = BanRuleCreate(teamspace_id="ts-1", offences=offences, length_minutes=length)
    await banning.use_cases.create_rule(ADMIN, body)


async def ban(banning: BanFakes, reason_id: str, user: Principal = ADMIN, **body: Any) -> BanView:
    view: BanView = await banning.use_cases.ban(
        user, BanCreate.model_validate({"person_id": "p-1", "reason_id": reason_id, **body})
    )
    return view


def events(banning: BanFakes) -> list[BanChangedV1]:
    return [e.open(BanChangedV1) for e in banning.db.state.outbox]


def actions(banning: BanFakes) -> list[tuple[str, str]]:
    return [(e.action, e.ban_id) for e in banning.db.state.audit]


# --- reasons and rules ------------------------------------------------------------------------


async def test_reasons_are_unique_per_teamspace_and_changed_with_settings(banning: BanFakes) -> None:
    use_cases = banning.use_cases
    spam = await reason(banning)
    await reason(banning, "Spam", teamspace_id="ts-2")
    with pytest.raises(DuplicateSetting) as info:
        await reason(banning, "  spam ")
    assert info.value.details == {"field": "name"}
    with pytest.raises(SettingsForbidden):
        await use_cases.create_reason(BANNER, BanReasonCreate(teamspace_id="ts-1", name="Abuse"))
    page = await use_cases.list_reasons(AGENT, "ts-1", PAGE)
    assert ([r.name for r in page.items], page.total) == (["Spam"], 1)

    banning.clock.advance(minutes=1)
    renamed = await use_cases.update_reason(SUPERVISOR, spam, BanReasonUpdate(name="Spam links"))
    assert (renamed.name, renamed.updated_at - renamed.created_at) == ("Spam links", timedelta(minutes=1))
    with pytest.raises(SettingNotFound):
        await use_cases.update_reason(FOREIGN, spam, BanReasonUpdate(name="Mine"))
    with pytest.raises(SettingNotFound):
        await use_cases.delete_reason(FOREIGN, spam)
    await use_cases.delete_reason(ADMIN, spam)
    assert (await use_cases.list_reasons(ADMIN, "ts-1", PAGE)).total == 0


async def test_rules_are_unique_per_offence_count(banning: BanFakes) -> None:
    use_cases = banning.use_cases
    await rule(banning, 1, 60)
    await rule(banning, 2, None)
    with pytest.raises(DuplicateSetting) as info:
        await rule(banning, 2, 30)
    assert info.value.details == {"field": "offences"}
    first = (await use_cases.list_rules(AGENT, None, PAGE)).items[0]
    with pytest.raises(DuplicateSetting):
        await use_cases.update_rule(ADMIN, first.id, BanRuleUpdate(offences=2))
    with pytest.raises(SettingsForbidden):
        await use_cases.delete_rule(AGENT, first.id)
    permanent = await use_cases.update_rule(
        ADMIN, first.id, BanRuleUpdate.model_validate({"length_minutes": None})
    )
    assert (permanent.offences, permanent.length_minutes) == (1, None)
    unchanged = await use_cases.update_rule(ADMIN, first.id, BanRuleUpdate())
    assert unchanged == permanent


# --- banning ----------------------------------------------------------------------------------


async def test_a_ban_takes_the_rules_length_and_is_announced(banning: BanFakes) -> None:
    banning.people.add("p-1")
    await rule(banning, 1, 60)
    await rule(banning, 2, None)
    spam = await reason(banning)

    first = await ban(banning, spam)

    assert (first.offence, first.length_minutes, first.active) == (1, 60, True)
    assert (first.created_at, first.until) == (START, START + timedelta(minutes=60))
    assert (first.reason_id, first.reason, first.banned_by, first.teamspace_id) == (
        spam,
        "Spam",
        "admin-1",
        "ts-1",
    )
    [event] = events(banning)
    assert event == BanChangedV1(
        ban_id=first.id,
        person_id="p-1",
        app_id="app-1",
        channel="telegram",
        person_external_id="visitor-p-1",
        teamspace_id="ts-1",
        active=True,
        until=first.until,
        reason_id=spam,
    )
    assert banning.db.state.outbox[0].workspace_id == "ws-1"
    assert actions(banning) == [("ban", first.id)]

    second = await ban(banning, spam)
    assert (second.offence, second.length_minutes, second.until) == (2, None, None)


async def test_a_new_ban_overrides_the_active_one(banning: BanFakes) -> None:
    banning.people.add("p-1")
    spam = await reason(banning)
    first = await ban(banning, spam, length_minutes=30)
    banning.clock.advance(minutes=10)

    second = await ban(banning, spam, user=SUPERVISOR, length_minutes=None)

    old = banning.bans.items[first.id]
    assert (old.current, old.ended_reason, old.ended_by, old.ended_at) == (
        False,
        "overridden",
        "sup-1",
        START + timedelta(minutes=10),
    )
    assert banning.bans.items[second.id].current
    active = await banning.use_cases.list_bans(ADMIN, "p-1", True, PAGE)
    assert [b.id for b in active.items] == [second.id]
    assert actions(banning) == [("ban", first.id), ("override", first.id), ("ban", second.id)]
    override = banning.db.state.audit[1]
    assert (override.by, override.replaced_by, override.length_minutes) == ("sup-1", second.id, 30)
    assert [(e.ban_id, e.active) for e in events(banning)] == [(first.id, True), (second.id, True)]


async def test_bans_expire_against_the_clock(banning: BanFakes) -> None:
    banning.people.add("p-1")
    spam = await reason(banning)
    first = await ban(banning, spam, length_minutes=60)
    assert (await banning.use_cases.list_bans(ADMIN, None, True, PAGE)).total == 1

    banning.clock.advance(minutes=60)
    assert (await banning.use_cases.list_bans(ADMIN, None, True, PAGE)).total == 0
    [expired] = (await banning.use_cases.list_bans(ADMIN, None, False, PAGE)).items
    assert (expired.id, expired.active, expired.ended_reason) == (first.id, False, None)
    with pytest.raises(BanNotActive):
        await banning.use_cases.unban(ADMIN, first.id)

    again = await ban(banning, spam)
    assert again.offence == 2
    assert banning.bans.items[first.id].ended_reason is None  # it ended on its own, not overridden
    assert actions(banning) == [("ban", first.id), ("ban", again.id)]


async def test_unban(banning: BanFakes) -> None:
    banning.people.add("p-1")
    spam = await reason(banning)
    made = await ban(banning, spam)
    banning.clock.advance(minutes=3)

    await banning.use_cases.unban(BANNER, made.id)

    lifted = banning.bans.items[made.id]
    assert (lifted.current, lifted.ended_reason, lifted.ended_by, lifted.ended_at) == (
        False,
        "unbanned",
        "agent-2",
        START + timedelta(minutes=3),
    )
    assert [(e.ban_id, e.active) for e in events(banning)] == [(made.id, True), (made.id, False)]
    assert actions(banning) == [("ban", made.id), ("unban", made.id)]
    audit = await banning.use_cases.audit_trail(ADMIN, "p-1", PAGE)
    assert [e.action for e in audit.items] == ["unban", "ban"]  # newest first
    with pytest.raises(BanNotActive):
        await banning.use_cases.unban(ADMIN, made.id)
    with pytest.raises(BanNotFound):
        await banning.use_cases.unban(ADMIN, "no-such-ban")


async def test_a_lost_race_runs_the_ban_again(banning: BanFakes) -> None:
    banning.people.add("p-1")
    spam = await reason(banning)
    banning.db.races = 2
    made = await ban(banning, spam)
    assert list(banning.bans.items) == [made.id]
    assert len(banning.db.state.audit) == len(banning.db.state.outbox) == 1

    banning.db.races = 99
    with pytest.raises(WriteConflict):
        await ban(banning, spam)
    assert list(banning.bans.items) == [made.id]


# --- refusals ---------------------------------------------------------------------------------


async def test_no_ban_without_a_reason_of_the_persons_teamspace(banning: BanFakes) -> None:
    banning.people.add("p-1")
    elsewhere = await reason(banning, teamspace_id="ts-2")
    with pytest.raises(NoBanReasons):
        await ban(banning, elsewhere)
    await reason(banning)
    with pytest.raises(UnknownBanReason):
        await ban(banning, elsewhere)
    assert (banning.bans.items, banning.db.state.audit, banning.db.state.outbox) == ({}, [], [])


async def test_who_may_ban_whom(banning: BanFakes) -> None:
    banning.people.add("p-1")  # an unassigned chat of team t-1
    spam = await reason(banning)
    with pytest.raises(BanForbidden):
        await ban(banning, spam, user=AGENT)
    with pytest.raises(BanForbidden):
        await banning.use_cases.list_bans(AGENT, None, None, PAGE)
    with pytest.raises(BanForbidden):
        await banning.use_cases.audit_trail(AGENT, None, PAGE)
    for outsider in (OUTSIDER, FOREIGN):
        with pytest.raises(PersonNotFound):
            await ban(banning, spam, user=outsider)
    with pytest.raises(PersonNotFound):
        await ban(banning, spam, person_id="no-such-person")
    assert banning.bans.items == {}

    made = await ban(banning, spam, user=BANNER)
    for outsider in (OUTSIDER, FOREIGN):
        with pytest.raises(BanNotFound):
            await banning.use_cases.unban(outsider, made.id)
    assert (await banning.use_cases.list_bans(FOREIGN, None, None, PAGE)).total == 0


async def test_an_admin_bans_anyone_of_the_workspace(banning: BanFakes) -> None:
    banning.people.add("p-1", team_ids=("t-9",), assignee_id="agent-9")
    spam = await reason(banning)
    with pytest.raises(PersonNotFound):
        await ban(banning, spam, user=SUPERVISOR)
    assert (await ban(banning, spam)).active
    banning.people.add("p-2", with_chat=False)
    with pytest.raises(NoBanReasons, match="no chat"):
        await ban(banning, spam, person_id="p-2")
