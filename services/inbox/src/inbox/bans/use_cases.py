"""Ban reasons and rules, banning and unbanning, and reading bans and their audit.

Permissions are checked before anything is looked up (``rules.may_*``). Everything is read and
written within the caller's workspace. A person outside the caller's scope (of another workspace,
or — for anyone but an admin — with no chat the caller may see) does not exist for them. A ban, the
end of the ban it overrides and their audit entries are stored, and the ban announced, in one
transaction; so is an unban. Whether a ban is active is decided against :attr:`BanUseCases.now`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import BanChangedV1, Envelope
from livechat_shared.ids import new_id, utcnow
from livechat_shared.pagination import Page, PageParams
from livechat_shared.writer import Change, Session, Writer

from ..core.models import Person
from ..errors import (
    BanForbidden,
    BanNotFound,
    DuplicateSetting,
    NoBanReasons,
    PersonNotFound,
    SettingNotFound,
    SettingsForbidden,
    UnknownBanReason,
)
from .repository import Taken
from .rules import (
    ban_length,
    lifted,
    may_ban,
    may_change_settings,
    may_read_settings,
    offence_number,
    replaced,
    stored_time,
    until,
    view,
)
from .schemas import (
    AuditAction,
    AuditEntry,
    Ban,
    BanCreate,
    BanReason,
    BanReasonCreate,
    BanReasonUpdate,
    BanRule,
    BanRuleCreate,
    BanRuleUpdate,
    BanView,
    channel,
)

# --- ports ------------------------------------------------------------------------------------


class Reasons(Protocol):
    async def add(self, reason: BanReason) -> None:
        """Raises ``Taken`` when the teamspace has a reason of that name."""

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[BanReason], int]: ...

    async def get(self, workspace_id: str, reason_id: str) -> BanReason | None: ...

    async def update(
        self, workspace_id: str, reason_id: str, changes: Mapping[str, Any]
    ) -> BanReason | None: ...

    async def delete(self, workspace_id: str, reason_id: str) -> bool: ...

    async def any_in(self, workspace_id: str, teamspace_id: str, session: Session | None = None) -> bool: ...

    async def in_teamspace(
        self, workspace_id: str, teamspace_id: str, reason_id: str, session: Session | None = None
    ) -> BanReason | None: ...


class Rules(Protocol):
    async def add(self, rule: BanRule) -> None:
        """Raises ``Taken`` when the teamspace has a rule for that offence count."""

    async def page(
        self, workspace_id: str, teamspace_id: str | None, skip: int, limit: int
    ) -> tuple[list[BanRule], int]: ...

    async def get(self, workspace_id: str, rule_id: str) -> BanRule | None: ...

    async def update(self, workspace_id: str, rule_id: str, changes: Mapping[str, Any]) -> BanRule | None: ...

    async def delete(self, workspace_id: str, rule_id: str) -> bool: ...

    async def of_teamspace(
        self, workspace_id: str, teamspace_id: str, session: Session | None = None
    ) -> list[BanRule]: ...


class Bans(Protocol):
    async def get(self, workspace_id: str, ban_id: str, session: Session | None = None) -> Ban | None: ...

    async def current(
        self, workspace_id: str, person_id: str, session: Session | None = None
    ) -> Ban | None: ...

    async def count(self, workspace_id: str, person_id: str, session: Session | None = None) -> int: ...

    async def insert(self, ban: Ban, session: Session) -> None:
        """Raises ``RaceLost`` when another current ban of the person was stored first."""

    async def replace(self, ban: Ban, session: Session) -> None: ...

    async def page(
        self,
        workspace_id: str,
        person_id: str | None,
        active: bool | None,
        at: datetime,
        skip: int,
        limit: int,
    ) -> tuple[list[Ban], int]: ...


class Audit(Protocol):
    async def append(self, entry: AuditEntry, session: Session) -> None: ...

    async def page(
        self, workspace_id: str, person_id: str | None, skip: int, limit: int
    ) -> tuple[list[AuditEntry], int]: ...


class People(Protocol):
    async def person(
        self, workspace_id: str, person_id: str, session: Session | None = None
    ) -> Person | None: ...

    async def visible_teamspace(
        self, user: Principal, person_id: str, session: Session | None = None
    ) -> str | None:
        """The teamspace of the person's newest chat the user may see; ``None``: they see none."""


# --- helpers ----------------------------------------------------------------------------------


def _require(allowed: bool, error: Exception) -> None:
    if not allowed:
        raise error


def _reading_settings(user: Principal) -> None:
    _require(may_read_settings(user), SettingsForbidden("reading the ban settings needs the view permission"))


def _changing_settings(user: Principal) -> None:
    _require(may_change_settings(user), SettingsForbidden())


def _banning(user: Principal) -> None:
    _require(may_ban(user), BanForbidden())


def announce(ban: Ban, *, active: bool) -> Envelope:
    """``inbox.ban.changed.v1``: the person's ban, made (``active``) or lifted."""
    event = BanChangedV1(
        ban_id=ban.id,
        person_id=ban.person_id,
        app_id=ban.app_id,
        channel=ban.channel,
        person_external_id=ban.person_external_id,
        teamspace_id=ban.teamspace_id,
        active=active,
        until=ban.until,
        reason_id=ban.reason_id,
    )
    return Envelope.wrap(event, workspace_id=ban.workspace_id)


def audit_entry(
    action: AuditAction, ban: Ban, at: datetime, user: Principal, *, replaced_by: str | None = None
) -> AuditEntry:
    return AuditEntry(
        id=new_id(),
        workspace_id=ban.workspace_id,
        teamspace_id=ban.teamspace_id,
        action=action,
        at=at,
        by=user.user_id,
        by_name=user.name,
        person_id=ban.person_id,
        ban_id=ban.id,
        reason_id=ban.reason_id,
        reason=ban.reason,
        length_minutes=ban.length_minutes,
        until=ban.until,
        replaced_by=replaced_by,
    )


def _page(items: list[Any], total: int, paging: PageParams) -> Page[Any]:
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


# --- use cases --------------------------------------------------------------------------------


@dataclass
class BanUseCases:
    reasons: Reasons
    rules: Rules
    bans: Bans
    audit: Audit
    people: People
    writer: Writer
    now: Callable[[], datetime] = utcnow
    """The clock bans are made, ended and judged active by (tests replace it)."""

    def _at(self) -> datetime:
        return stored_time(self.now())

    # --- ban reasons ------------------------------------------------------------------------------

    async def list_reasons(
        self, user: Principal, teamspace_id: str | None, paging: PageParams
    ) -> Page[BanReason]:
        _reading_settings(user)
        items, total = await self.reasons.page(user.workspace_id, teamspace_id, paging.skip, paging.page_size)
        return _page(items, total, paging)

    async def create_reason(self, user: Principal, body: BanReasonCreate) -> BanReason:
        _changing_settings(user)
        at = self._at()
        reason = BanReason(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=body.teamspace_id,
            name=body.name,
            created_at=at,
            updated_at=at,
        )
        try:
            await self.reasons.add(reason)
        except Taken as exc:
            raise _duplicate_name(body.name) from exc
        return reason

    async def update_reason(self, user: Principal, reason_id: str, body: BanReasonUpdate) -> BanReason:
        _changing_settings(user)
        changes = body.changes()
        try:
            found = (
                await self.reasons.update(user.workspace_id, reason_id, {**changes, "updated_at": self._at()})
                if changes
                else await self.reasons.get(user.workspace_id, reason_id)
            )
        except Taken as exc:
            raise _duplicate_name(changes.get("name")) from exc
        if found is None:
            raise SettingNotFound("ban reason not found")
        return found

    async def delete_reason(self, user: Principal, reason_id: str) -> None:
        """Delete the reason; bans made for it keep its name."""
        _changing_settings(user)
        if not await self.reasons.delete(user.workspace_id, reason_id):
            raise SettingNotFound("ban reason not found")

    # --- ban rules --------------------------------------------------------------------------------

    async def list_rules(
        self, user: Principal, teamspace_id: str | None, paging: PageParams
    ) -> Page[BanRule]:
        _reading_settings(user)
        items, total = await self.rules.page(user.workspace_id, teamspace_id, paging.skip, paging.page_size)
        return _page(items, total, paging)

    async def create_rule(self, user: Principal, body: BanRuleCreate) -> BanRule:
        _changing_settings(user)
        at = self._at()
        rule = BanRule(
            id=new_id(),
            workspace_id=user.workspace_id,
            teamspace_id=body.teamspace_id,
            offences=body.offences,
            length_minutes=body.length_minutes,
            created_at=at,
            updated_at=at,
        )
        try:
            await self.rules.add(rule)
        except Taken as exc:
            raise _duplicate_offences(body.offences) from exc
        return rule

    async def update_rule(self, user: Principal, rule_id: str, body: BanRuleUpdate) -> BanRule:
        _changing_settings(user)
        changes = body.changes()
        try:
            found = (
                await self.rules.update(user.workspace_id, rule_id, {**changes, "updated_at": self._at()})
                if changes
                else await self.rules.get(user.workspace_id, rule_id)
            )
        except Taken as exc:
            raise _duplicate_offences(changes.get("offences")) from exc
        if found is None:
            raise SettingNotFound("ban rule not found")
        return found

    async def delete_rule(self, user: Principal, rule_id: str) -> None:
        _changing_settings(user)
        if not await self.rules.delete(user.workspace_id, rule_id):
            raise SettingNotFound("ban rule not found")

    # --- bans -------------------------------------------------------------------------------------

    async def ban(self, user: Principal, body: BanCreate) -> BanView:
        """Ban the person for a reason of their teamspace, for the length given or (when none is
        given) the rules'; the person's previous ban, if still active, is overridden."""
        _banning(user)

        async def work(session: Session) -> Change[BanView]:
            at = self._at()
            person, teamspace_id = await self._person_to_ban(user, body.person_id, session)
            reason = await self._reason(user.workspace_id, teamspace_id, body.reason_id, session)
            offence = offence_number(await self.bans.count(user.workspace_id, person.id, session))
            rules = (
                await self.rules.of_teamspace(user.workspace_id, teamspace_id, session)
                if body.by_rule
                else []
            )
            length = ban_length(by_rule=body.by_rule, given=body.length_minutes, rules=rules, offence=offence)
            ban = Ban(
                id=new_id(),
                workspace_id=user.workspace_id,
                teamspace_id=teamspace_id,
                person_id=person.id,
                app_id=person.app_id,
                channel=channel(person.channel),
                person_external_id=person.external_id,
                reason_id=reason.id,
                reason=reason.name,
                offence=offence,
                length_minutes=length,
                banned_by=user.user_id,
                created_at=at,
                until=until(at, length),
            )
            entries: list[AuditEntry] = []
            previous = await self.bans.current(user.workspace_id, person.id, session)
            if previous is not None:
                ended, overridden = replaced(previous, at, user.user_id)
                await self.bans.replace(ended, session)
                if overridden:
                    entries.append(audit_entry("override", ended, at, user, replaced_by=ban.id))
            await self.bans.insert(ban, session)
            entries.append(audit_entry("ban", ban, at, user))
            for entry in entries:
                await self.audit.append(entry, session)
            return Change(view(ban, at), [announce(ban, active=True)])

        return await self.writer.write(work)

    async def unban(self, user: Principal, ban_id: str) -> None:
        """Lift an active ban (``ban_not_active`` for one that is over already)."""
        _banning(user)

        async def work(session: Session) -> Change[None]:
            at = self._at()
            ban = await self.bans.get(user.workspace_id, ban_id, session)
            if ban is None or not await self._sees_person(user, ban.person_id, session):
                raise BanNotFound()
            ended = lifted(ban, at, user.user_id)
            await self.bans.replace(ended, session)
            await self.audit.append(audit_entry("unban", ended, at, user), session)
            return Change(None, [announce(ended, active=False)])

        await self.writer.write(work)

    async def list_bans(
        self, user: Principal, person_id: str | None, active: bool | None, paging: PageParams
    ) -> Page[BanView]:
        """The workspace's bans, newest first; ``active`` judged now."""
        _banning(user)
        at = self._at()
        bans, total = await self.bans.page(
            user.workspace_id, person_id, active, at, paging.skip, paging.page_size
        )
        return _page([view(b, at) for b in bans], total, paging)

    async def audit_trail(
        self, user: Principal, person_id: str | None, paging: PageParams
    ) -> Page[AuditEntry]:
        """Who banned, overrode or unbanned whom, why and for how long; newest first."""
        _banning(user)
        items, total = await self.audit.page(user.workspace_id, person_id, paging.skip, paging.page_size)
        return _page(items, total, paging)

    # --- steps ------------------------------------------------------------------------------------

    async def _person_to_ban(self, user: Principal, person_id: str, session: Session) -> tuple[Person, str]:
        """The person, if in the user's scope, and the teamspace whose reasons and rules apply."""
        person = await self.people.person(user.workspace_id, person_id, session)
        if person is None:
            raise PersonNotFound()
        teamspace_id = await self.people.visible_teamspace(user, person.id, session)
        if teamspace_id is None:
            if user.role is Role.ADMIN:
                raise NoBanReasons("the person has no chat, so no teamspace's ban reasons apply")
            raise PersonNotFound()
        return person, teamspace_id

    async def _reason(
        self, workspace_id: str, teamspace_id: str, reason_id: str, session: Session
    ) -> BanReason:
        if not await self.reasons.any_in(workspace_id, teamspace_id, session):
            raise NoBanReasons()
        reason = await self.reasons.in_teamspace(workspace_id, teamspace_id, reason_id, session)
        if reason is None:
            raise UnknownBanReason()
        return reason

    async def _sees_person(self, user: Principal, person_id: str, session: Session) -> bool:
        if user.role is Role.ADMIN:
            return True
        return await self.people.visible_teamspace(user, person_id, session) is not None


def _duplicate_name(name: object) -> DuplicateSetting:
    return DuplicateSetting(f"this teamspace already has a ban reason named {name!r}", field="name")


def _duplicate_offences(offences: object) -> DuplicateSetting:
    return DuplicateSetting(
        f"this teamspace already has a ban rule for {offences} offence(s)", field="offences"
    )
