"""HTTP routes of the catalog: ``/v1/tags``, ``/v1/tag-groups``, ``/v1/custom-fields``,
``/v1/canned-replies`` and ``/v1/aliases`` — parse, call one use case, answer with the setting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import (
    Alias,
    AliasCreate,
    AliasUpdate,
    CannedReply,
    CannedReplyCreate,
    CannedReplyUpdate,
    CustomFieldCreate,
    CustomFieldDefinition,
    CustomFieldUpdate,
    Tag,
    TagCreate,
    TagGroup,
    TagGroupCreate,
    TagGroupUpdate,
    TagUpdate,
)
from .use_cases import CatalogUseCases


def _use_cases(request: Request) -> CatalogUseCases:
    use_cases: CatalogUseCases = request.app.state.catalog
    return use_cases


UseCases = Annotated[CatalogUseCases, Depends(_use_cases)]
Teamspace = Annotated[
    str | None, Query(min_length=1, max_length=64, description="only the settings of this teamspace")
]
router = APIRouter(tags=["catalog"], responses=ERROR_RESPONSES)

# --- tag groups -------------------------------------------------------------------------------


@router.get("/v1/tag-groups")
async def list_tag_groups(
    user: CurrentUser, use_cases: UseCases, paging: Paging, teamspace_id: Teamspace = None
) -> Page[TagGroup]:
    return await use_cases.list_tag_groups(user, teamspace_id, paging)


@router.post("/v1/tag-groups", status_code=201)
async def create_tag_group(body: TagGroupCreate, user: CurrentUser, use_cases: UseCases) -> TagGroup:
    return await use_cases.create_tag_group(user, body)


@router.patch("/v1/tag-groups/{group_id}")
async def update_tag_group(
    group_id: str, body: TagGroupUpdate, user: CurrentUser, use_cases: UseCases
) -> TagGroup:
    return await use_cases.update_tag_group(user, group_id, body)


@router.delete("/v1/tag-groups/{group_id}", status_code=204)
async def delete_tag_group(group_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    """Delete the group; its tags stay, ungrouped."""
    await use_cases.delete_tag_group(user, group_id)


# --- tags -------------------------------------------------------------------------------------


@router.get("/v1/tags")
async def list_tags(
    user: CurrentUser, use_cases: UseCases, paging: Paging, teamspace_id: Teamspace = None
) -> Page[Tag]:
    return await use_cases.list_tags(user, teamspace_id, paging)


@router.post("/v1/tags", status_code=201)
async def create_tag(body: TagCreate, user: CurrentUser, use_cases: UseCases) -> Tag:
    return await use_cases.create_tag(user, body)


@router.patch("/v1/tags/{tag_id}")
async def update_tag(tag_id: str, body: TagUpdate, user: CurrentUser, use_cases: UseCases) -> Tag:
    return await use_cases.update_tag(user, tag_id, body)


@router.delete("/v1/tags/{tag_id}", status_code=204)
async def delete_tag(tag_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    await use_cases.delete_tag(user, tag_id)


# --- custom fields ----------------------------------------------------------------------------


@router.get("/v1/custom-fields")
async def list_custom_fields(
    user: CurrentUser, use_cases: UseCases, paging: Paging, teamspace_id: Teamspace = None
) -> Page[CustomFieldDefinition]:
    return await use_cases.list_custom_fields(user, teamspace_id, paging)


@router.post("/v1/custom-fields", status_code=201)
async def create_custom_field(
    body: CustomFieldCreate, user: CurrentUser, use_cases: UseCases
) -> CustomFieldDefinition:
    return await use_cases.create_custom_field(user, body)


@router.patch("/v1/custom-fields/{field_id}")
async def update_custom_field(
    field_id: str, body: CustomFieldUpdate, user: CurrentUser, use_cases: UseCases
) -> CustomFieldDefinition:
    """Change the name, description or (of a dropdown) the options; ``key``, ``type`` and
    ``default`` are fixed: a different value is refused with 422 ``immutable_field``."""
    return await use_cases.update_custom_field(user, field_id, body)


@router.delete("/v1/custom-fields/{field_id}", status_code=204)
async def delete_custom_field(field_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    await use_cases.delete_custom_field(user, field_id)


# --- canned replies ---------------------------------------------------------------------------


@router.get("/v1/canned-replies")
async def list_canned_replies(
    user: CurrentUser, use_cases: UseCases, paging: Paging, teamspace_id: Teamspace = None
) -> Page[CannedReply]:
    return await use_cases.list_canned_replies(user, teamspace_id, paging)


@router.post("/v1/canned-replies", status_code=201)
async def create_canned_reply(body: CannedReplyCreate, user: CurrentUser, use_cases: UseCases) -> CannedReply:
    return await use_cases.create_canned_reply(user, body)


@router.patch("/v1/canned-replies/{reply_id}")
async def update_canned_reply(
    reply_id: str, body: CannedReplyUpdate, user: CurrentUser, use_cases: UseCases
) -> CannedReply:
    return await use_cases.update_canned_reply(user, reply_id, body)


@router.delete("/v1/canned-replies/{reply_id}", status_code=204)
async def delete_canned_reply(reply_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    await use_cases.delete_canned_reply(user, reply_id)


# --- aliases ----------------------------------------------------------------------------------


@router.get("/v1/aliases")
async def list_aliases(
    user: CurrentUser, use_cases: UseCases, paging: Paging, teamspace_id: Teamspace = None
) -> Page[Alias]:
    return await use_cases.list_aliases(user, teamspace_id, paging)


@router.post("/v1/aliases", status_code=201)
async def create_alias(body: AliasCreate, user: CurrentUser, use_cases: UseCases) -> Alias:
    return await use_cases.create_alias(user, body)


@router.patch("/v1/aliases/{alias_id}")
async def update_alias(alias_id: str, body: AliasUpdate, user: CurrentUser, use_cases: UseCases) -> Alias:
    return await use_cases.update_alias(user, alias_id, body)


@router.delete("/v1/aliases/{alias_id}", status_code=204)
async def delete_alias(alias_id: str, user: CurrentUser, use_cases: UseCases) -> None:
    await use_cases.delete_alias(user, alias_id)
