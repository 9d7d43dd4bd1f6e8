"""HTTP routes of banning: ``/v1/ban-reasons``, ``/v1/ban-rules``, ``/v1/bans`` and
``/v1/bans/audit`` — parse, call one use case, answer with a response model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import (
    AuditEntry,
    BanCreate,
    BanReason,
    BanReasonCreate,
    BanReasonUpdate,
    BanRule,
    BanRuleCreate,
    BanRuleUpdate,
    BanView,
)
from .use_cases import BanUseCases


def _use_cases(request: Request) -> BanUseCases:
    use_cases: BanUseCases = request.app.state.bans
    return use_cases


UseCases = Annotated[BanUseCases, Depends(_use_cases)]
Teamspace = Annotated[
    str | None, Query(min_length=1, max_length=64, description="only the settings of this teamspace")
]
PersonFilter = Annotated[str | None, Query(min_length=1, max_length=64, description="only this person's")]
router = APIRouter(tags=["bans"], responses=ERROR_RESPONSES)

# --- ban reasons ------------------------------------------------------------------------------


@router.get("/v1/ban-reasons")
async def list_ban_reasons(
    user: CurrentUser, use_cases: UseCases, paging: Paging, teamspace_id: Teamspace = None
) -> Page[BanReason]:
    return await use_cases.list_reasons(user, teamspace_id, paging)


@router.post("/v1/ban-reasons", status_code=201)
async def create_ban_reason(body: BanReasonCreate, user: CurrentUser, use_cases: UseCases) -> BanReason:
    """A reason is needed before anyone of the teamspace can be banned; names are unique per
    teamspace (409 ``duplicate``)."""
    return await use_cases.create_reason(user, body)


@router.patch("/v1/ban-reasons/{reason_id}")
async def update_ban_reason(
    reason_id: str, body: BanReasonUpdate, user: CurrentUser, use_cases: UseCases
) -> BanReason:
    return await use_cases.update_reason(user, reason_id, body)


@router.delete("/v1/ban-reasons/{reason_id}", status_code=204)
async def delete_ban_reason(reason_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    """Bans made for the reason keep its name."""
    await use_cases.delete_reason(user, reason_id)


# --- ban rules --------------------------------------------------------------------------------


@router.get("/v1/ban-rules")
async def list_ban_rules(
    user: CurrentUser, use_cases: UseCases, paging: Paging, teamspace_id: Teamspace = None
) -> Page[BanRule]:
    return await use_cases.list_rules(user, teamspace_id, paging)


@router.post("/v1/ban-rules", status_code=201)
async def create_ban_rule(body: BanRuleCreate, user: CurrentUser, use_cases: UseCases) -> BanRule:
    """From the ``offences``-th ban of a person on, a ban lasts ``length_minutes`` (null:
    permanently); one rule per offence count (409 ``duplicate``)."""
    return await use_cases.create_rule(user, body)


@router.patch("/v1/ban-rules/{rule_id}")
async def update_ban_rule(
    rule_id: str, body: BanRuleUpdate, user: CurrentUser, use_cases: UseCases
) -> BanRule:
    return await use_cases.update_rule(user, rule_id, body)


@router.delete("/v1/ban-rules/{rule_id}", status_code=204)
async def delete_ban_rule(rule_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    await use_cases.delete_rule(user, rule_id)


# --- bans -------------------------------------------------------------------------------------


@router.get("/v1/bans")
async def list_bans(
    user: CurrentUser,
    use_cases: UseCases,
    paging: Paging,
    person_id: PersonFilter = None,
    active: Annotated[bool | None, Query(description="only the bans active (or not) now")] = None,
) -> Page[BanView]:
    """The workspace's bans, newest first."""
    return await use_cases.list_bans(user, person_id, active, paging)


@router.post("/v1/bans", status_code=201)
async def ban_person(body: BanCreate, user: CurrentUser, use_cases: UseCases) -> BanView:
    """Ban a person for one of their teamspace's reasons (422 ``no_ban_reasons`` while it has none,
    ``unknown_reason`` for another id). ``length_minutes`` left out: the rule matching the person's
    offence count decides (permanent without one); ``null``: permanent. The person's active ban,
    if any, is overridden."""
    return await use_cases.ban(user, body)


@router.get("/v1/bans/audit")
async def ban_audit(
    user: CurrentUser, use_cases: UseCases, paging: Paging, person_id: PersonFilter = None
) -> Page[AuditEntry]:
    """Every ban, override and unban of the workspace: who, whom, why, how long, when; newest first."""
    return await use_cases.audit_trail(user, person_id, paging)


@router.delete("/v1/bans/{ban_id}", status_code=204)
async def unban(ban_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    """Lift an active ban (409 ``ban_not_active`` when it ended already)."""
    await use_cases.unban(user, ban_id)
