"""Pure rules of the assignment workflow: how many chats an agent may hold when a claim is made."""

from __future__ import annotations

from collections.abc import Sequence

from livechat_shared.auth import Permission, Principal
from livechat_shared.contracts import HandoffTarget, TeamspaceSettings

from ..routing.rules import screen
from ..routing.schemas import Candidate, Handoff
from .schemas import ChatAssignment, Claimer


def claim_limit(candidate: Candidate, settings: TeamspaceSettings) -> int | None:
    """The most open chats the candidate may hold after being auto-assigned one more, enforced by the
    claim in the database: the teamspace's ``max_auto_chats`` (0: no limit) and the candidate's
    personal ``max_chats`` (``None``: no limit; 0: none at all), whichever is lower. ``None``: no
    limit."""
    limits = [limit for limit in (settings.max_auto_chats or None, candidate.max_chats) if limit is not None]
    return min(limits, default=None)


def has_room(candidates: Sequence[Candidate], teamspace_id: str, settings: TeamspaceSettings) -> bool:
    """Whether any candidate could take some chat of the teamspace, by the loads given (a hint: the
    claim decides): active, under their limits, and online if the teamspace asks for it. When nobody
    can, draining the queue stops: no waiting chat could be assigned."""
    anyone = Handoff(teamspace_id=teamspace_id, availability_check=False)
    return bool(screen(candidates, anyone, settings).eligible)


def targets(handoff: Handoff, claimer: Claimer) -> bool:
    """Whether the handoff may go to the user: one of its target users, a member of one of its target
    teams, or — no targets — a member of a team of its teamspace."""
    if not handoff.user_ids and not handoff.team_ids:
        return handoff.teamspace_id in claimer.teamspace_ids
    return claimer.user_id in handoff.user_ids or not set(handoff.team_ids).isdisjoint(claimer.team_ids)


def may_claim_any(user: Principal) -> bool:
    """Who moves chats between agents (the transfer permission) may claim any waiting chat."""
    return user.has(Permission.TRANSFER)


def may_read_log(user: Principal, chat: ChatAssignment, claimer: Claimer) -> bool:
    """The decision log of a chat: for who may move chats (supervisors, admins), its assignee, and the
    users it may go to."""
    if user.workspace_id != chat.workspace_id:
        return False
    return may_claim_any(user) or chat.assignee_id == user.user_id or targets(chat.handoff, claimer)


def resolve_target(
    teamspace_id: str,
    target: HandoffTarget,
    existing_teams: set[str],
    known_users: set[str],
) -> tuple[Handoff, str | None]:
    """The handoff routing works with, and a note when the target named teams or users that no longer
    exist: they are left out, and when nothing is left the chat goes to every agent of the teamspace
    (never silently dropped)."""
    teams = [t for t in target.team_ids if t in existing_teams]
    users = [u for u in target.user_ids if u in known_users]
    gone = [t for t in target.team_ids if t not in existing_teams] + [
        u for u in target.user_ids if u not in known_users
    ]
    handoff = Handoff(
        teamspace_id=teamspace_id,
        user_ids=users,
        team_ids=teams,
        language=target.language,
        availability_check=target.availability_check,
    )
    if not gone:
        return handoff, None
    note = f"the handoff named {', '.join(gone)}, which no longer exist{'s' if len(gone) == 1 else ''}"
    if not teams and not users:
        note += ": the chat goes to every agent of the teamspace instead"
    return handoff, note
