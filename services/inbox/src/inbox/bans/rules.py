"""Pure rules of banning: who may do what, how long a ban lasts, whether it is active at a given
time, and what becomes of the person's previous ban."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from livechat_shared.auth import Permission, Principal

from ..errors import BanNotActive
from .schemas import Ban, BanView


def may_read_settings(user: Principal) -> bool:
    """The reasons and rules are read by every user of the workspace with ``view``."""
    return user.has(Permission.VIEW)


def may_change_settings(user: Principal) -> bool:
    """Creating, changing and deleting them is a change of the teamspace's settings."""
    return user.has(Permission.SETTINGS)


def may_ban(user: Principal) -> bool:
    """Banning, unbanning and reading bans and their audit: admins and supervisors by their role,
    agents only when granted ``ban``."""
    return user.has(Permission.BAN)


def stored_time(at: datetime) -> datetime:
    """``at`` as the database keeps it (milliseconds), so an answer shows what a later read shows."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


class Rule(Protocol):
    @property
    def offences(self) -> int: ...

    @property
    def length_minutes(self) -> int | None: ...


def offence_number(previous_bans: int) -> int:
    """The person's how-many-th ban a new one is: every earlier ban counts, however it ended."""
    return previous_bans + 1


def rule_length(rules: Sequence[Rule], offence: int) -> int | None:
    """The length the rules give the ``offence``-th ban: the rule with the largest ``offences`` not
    above it; ``None`` (permanent) when it is, or when no rule applies."""
    matching = [r for r in rules if r.offences <= offence]
    if not matching:
        return None
    return max(matching, key=lambda r: r.offences).length_minutes


def ban_length(*, by_rule: bool, given: int | None, rules: Sequence[Rule], offence: int) -> int | None:
    """The new ban's length in minutes (``None``: permanent): the one given, or — when none was
    given (``by_rule``) — the rules' for the offence."""
    return rule_length(rules, offence) if by_rule else given


def until(start: datetime, length_minutes: int | None) -> datetime | None:
    """When a ban that starts at ``start`` ends on its own; ``None`` for a permanent one."""
    return None if length_minutes is None else start + timedelta(minutes=length_minutes)


def is_active(ban: Ban, at: datetime) -> bool:
    """Neither overridden nor lifted, and not expired at ``at`` (a ban ends at ``until``)."""
    return ban.ended_at is None and (ban.until is None or at < ban.until)


def view(ban: Ban, at: datetime) -> BanView:
    """The ban as the API shows it at ``at``."""
    return BanView.model_validate({**ban.model_dump(exclude={"current"}), "active": is_active(ban, at)})


def replaced(previous: Ban, at: datetime, by: str) -> tuple[Ban, bool]:
    """The person's previous ban once a new one replaces it at ``at``, and whether it was overridden:
    a ban still active then ends (``overridden``); an expired one only stops being the current one."""
    if not is_active(previous, at):
        return previous.model_copy(update={"current": False}), False
    ended = previous.model_copy(
        update={"current": False, "ended_at": at, "ended_reason": "overridden", "ended_by": by}
    )
    return ended, True


def lifted(ban: Ban, at: datetime, by: str) -> Ban:
    """The ban, unbanned at ``at``; :class:`BanNotActive` for a ban that is over already."""
    if not is_active(ban, at):
        raise BanNotActive(f"the ban already ended ({ban.ended_reason or 'expired'})")
    return ban.model_copy(
        update={"current": False, "ended_at": at, "ended_reason": "unbanned", "ended_by": by}
    )
