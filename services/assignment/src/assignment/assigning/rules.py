"""Pure rules of the assignment workflow: how many chats an agent may hold when a claim is made."""

from __future__ import annotations

from collections.abc import Sequence

from livechat_shared.contracts import TeamspaceSettings

from ..routing.rules import screen
from ..routing.schemas import Candidate, Handoff


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
