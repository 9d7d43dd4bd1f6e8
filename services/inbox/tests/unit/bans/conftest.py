"""In-memory fakes of the banning repositories, transactions and outbox, for the use-case tests.

A transaction restores every fake's state when the work raises, as MongoDB aborts a transaction;
the fakes keep the unique keys the real indexes keep (a reason's folded name and a rule's offence
count per teamspace, one current ban per person).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from inbox.bans.repository import Taken, fold
from inbox.bans.schemas import AuditEntry, Ban, BanReason, BanRule
from inbox.bans.use_cases import BanUseCases
from inbox.core.models import Person
from inbox.errors import WriteConflict
from livechat_dev.testing import InMemoryTransactions
from livechat_shared.auth import ChatScope, Principal, can_see_chat
from livechat_shared.contracts import Envelope
from livechat_shared.writer import RaceLost, Writer

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass
class State:
    reasons: dict[str, BanReason] = field(default_factory=dict)
    rules: dict[str, BanRule] = field(default_factory=dict)
    bans: dict[str, Ban] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: list[Envelope] = field(default_factory=list)


class FakeDb(InMemoryTransactions[State]):
    def __init__(self) -> None:
        super().__init__(State())
        self.races = 0
        """How many more bans to refuse as lost races (a concurrent ban stored first)."""


class FakeReasons:
    def __init__(self, db: FakeDb) -> None:
        self.db = db

    @property
    def items(self) -> dict[str, BanReason]:
        return self.db.state.reasons

    def _clash(self, reason: BanReason) -> bool:
        return any(
            (r.workspace_id, r.teamspace_id, fold(r.name))
            == (reason.workspace_id, reason.teamspace_id, fold(reason.name))
            for r in self.items.values()
            if r.id != reason.id
        )

    async def add(self, reason: BanReason) -> None:
        if self._clash(reason):
            raise Taken(reason.name)
        self.items[reason.id] = reason

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[BanReason], int]:
        found = sorted(
            (
                r
                for r in self.items.values()
                if r.workspace_id == workspace_id and teamspace_id in (None, r.teamspace_id)
            ),
            key=lambda r: (r.teamspace_id, fold(r.name)),
        )
        return found[skip : skip + limit], len(found)

    async def get(self, workspace_id: str, reason_id: str) -> BanReason | None:
        reason = self.items.get(reason_id)
        return reason if reason is not None and reason.workspace_id == workspace_id else None

    async def update(self, workspace_id: str, reason_id: str, changes: Mapping[str, Any]) -> BanReason | None:
        reason = await self.get(workspace_id, reason_id)
        if reason is None:
            return None
        changed = reason.model_copy(update=dict(changes))
        if self._clash(changed):
            raise Taken(changed.name)
        self.items[reason_id] = changed
        return changed

    async def delete(self, workspace_id: str, reason_id: str) -> bool:
        return await self.get(workspace_id, reason_id) is not None and bool(self.items.pop(reason_id))

    async def any_in(self, workspace_id: str, teamspace_id: str, session: Any = None) -> bool:
        return any(
            (r.workspace_id, r.teamspace_id) == (workspace_id, teamspace_id) for r in self.items.values()
        )

    async def in_teamspace(
        self, workspace_id: str, teamspace_id: str, reason_id: str, session: Any = None
    ) -> BanReason | None:
        reason = await self.get(workspace_id, reason_id)
        return reason if reason is not None and reason.teamspace_id == teamspace_id else None


class FakeRules:
    def __init__(self, db: FakeDb) -> None:
        self.db = db

    @property
    def items(self) -> dict[str, BanRule]:
        return self.db.state.rules

    def _clash(self, rule: BanRule) -> bool:
        return any(
            (r.workspace_id, r.teamspace_id, r.offences)
            == (rule.workspace_id, rule.teamspace_id, rule.offences)
            for r in self.items.values()
            if r.id != rule.id
        )

    async def add(self, rule: BanRule) -> None:
        if self._clash(rule):
            raise Taken(rule.offences)
        self.items[rule.id] = rule

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[BanRule], int]:
        found = sorted(
            (
                r
                for r in self.items.values()
                if r.workspace_id == workspace_id and teamspace_id in (None, r.teamspace_id)
            ),
            key=lambda r: (r.teamspace_id, r.offences),
        )
        return found[skip : skip + limit], len(found)

    async def get(self, workspace_id: str, rule_id: str) -> BanRule | None:
        rule = self.items.get(rule_id)
        return rule if rule is not None and rule.workspace_id == workspace_id else None

    async def update(self, workspace_id: str, rule_id: str, changes: Mapping[str, Any]) -> BanRule | None:
        rule = await self.get(workspace_id, rule_id)
        if rule is None:
            return None
        changed = rule.model_copy(update=dict(changes))
        if self._clash(changed):
            raise Taken(changed.offences)
        self.items[rule_id] = changed
        return changed

    async def delete(self, workspace_id: str, rule_id: str) -> bool:
        return await self.get(workspace_id, rule_id) is not None and bool(self.items.pop(rule_id))

    async def of_teamspace(self, workspace_id: str, teamspace_id: str, session: Any = None) -> list[BanRule]:
        return sorted(
            (
                r
                for r in self.items.values()
                if (r.workspace_id, r.teamspace_id) == (workspace_id, teamspace_id)
            ),
            key=lambda r: r.offences,
        )


class FakeBans:
    def __init__(self, db: FakeDb) -> None:
        self.db = db

    @property
    def items(self) -> dict[str, Ban]:
        return self.db.state.bans

    async def get(self, workspace_id: str, ban_id: str, session: Any = None) -> Ban | None:
        ban = self.items.get(ban_id)
        return ban if ban is not None and ban.workspace_id == workspace_id else None

    async def current(self, workspace_id: str, person_id: str, session: Any = None) -> Ban | None:
        return next(
            (
                b
                for b in self.items.values()
                if (b.workspace_id, b.person_id, b.current) == (workspace_id, person_id, True)
            ),
            None,
        )

    async def count(self, workspace_id: str, person_id: str, session: Any = None) -> int:
        return sum(
            1 for b in self.items.values() if (b.workspace_id, b.person_id) == (workspace_id, person_id)
        )

    async def insert(self, ban: Ban, session: Any) -> None:
        if self.db.races:
            self.db.races -= 1
            raise RaceLost
        if await self.current(ban.workspace_id, ban.person_id):
            raise RaceLost
        self.items[ban.id] = ban

    async def replace(self, ban: Ban, session: Any) -> None:
        assert ban.id in self.items
        self.items[ban.id] = ban

    async def page(
        self,
        workspace_id: str,
        person_id: str | None,
        active: bool | None,
        at: datetime,
        skip: int,
        limit: int,
    ) -> tuple[list[Ban], int]:
        def matches(b: Ban) -> bool:
            now_active = b.ended_at is None and (b.until is None or b.until > at)
            return (
                b.workspace_id == workspace_id
                and person_id in (None, b.person_id)
                and active in (None, now_active)
            )

        found = sorted(
            (b for b in self.items.values() if matches(b)), key=lambda b: (b.created_at, b.id), reverse=True
        )
        return found[skip : skip + limit], len(found)


class FakeAudit:
    def __init__(self, db: FakeDb) -> None:
        self.db = db

    async def append(self, entry: AuditEntry, session: Any) -> None:
        self.db.state.audit.append(entry)

    async def page(
        self, workspace_id: str, person_id: str | None, skip: int, limit: int
    ) -> tuple[list[AuditEntry], int]:
        found = sorted(
            (
                e
                for e in self.db.state.audit
                if e.workspace_id == workspace_id and person_id in (None, e.person_id)
            ),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )
        return found[skip : skip + limit], len(found)


@dataclass
class PersonChat:
    person_id: str
    teamspace_id: str
    scope: ChatScope


class FakePeople:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.chats: list[PersonChat] = []

    def add(
        self,
        person_id: str,
        *,
        workspace_id: str = "ws-1",
        teamspace_id: str = "ts-1",
        team_ids: tuple[str, ...] = ("t-1",),
        assignee_id: str | None = None,
        with_chat: bool = True,
    ) -> Person:
        person = Person(
            id=person_id,
            workspace_id=workspace_id,
            app_id="app-1",
            external_id=f"visitor-{person_id}",
            channel="telegram",
            name="Ana",
            created_at=START - timedelta(days=1),
        )
        self.people[person_id] = person
        if with_chat:
            scope = ChatScope(workspace_id=workspace_id, assignee_id=assignee_id, team_ids=team_ids)
            self.chats.append(PersonChat(person_id, teamspace_id, scope))
        return person

    async def person(self, workspace_id: str, person_id: str, session: Any = None) -> Person | None:
        person = self.people.get(person_id)
        return person if person is not None and person.workspace_id == workspace_id else None

    async def visible_teamspace(self, user: Principal, person_id: str, session: Any = None) -> str | None:
        return next(
            (c.teamspace_id for c in self.chats if c.person_id == person_id and can_see_chat(user, c.scope)),
            None,
        )


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class BanFakes:
    db: FakeDb
    reasons: FakeReasons
    rules: FakeRules
    bans: FakeBans
    audit: FakeAudit
    people: FakePeople
    clock: Clock
    use_cases: BanUseCases


@pytest.fixture
def banning() -> BanFakes:
    db = FakeDb()
    reasons, rules, bans, audit = FakeReasons(db), FakeRules(db), FakeBans(db), FakeAudit(db)
    people, clock = FakePeople(), Clock()
    use_cases = BanUseCases(
        reasons=reasons,
        rules=rules,
        bans=bans,
        audit=audit,
        people=people,
        writer=Writer(transactions=db, outbox=db, conflict=WriteConflict),
        now=clock,
    )
    return BanFakes(db, reasons, rules, bans, audit, people, clock, use_cases)
