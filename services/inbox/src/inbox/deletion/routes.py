"""HTTP routes of chat deletion: ``POST /v1/chats/bulk-delete`` and its audit, ``GET /v1/deletions``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import BulkDelete, BulkDeleted, DeletionAudit
from .use_cases import DeletionUseCases


def _use_cases(request: Request) -> DeletionUseCases:
    use_cases: DeletionUseCases = request.app.state.deletion
    return use_cases


UseCases = Annotated[DeletionUseCases, Depends(_use_cases)]
router = APIRouter(tags=["deletion"], responses=ERROR_RESPONSES)


@router.post("/v1/chats/bulk-delete")
async def bulk_delete(
    body: BulkDelete, request: Request, user: CurrentUser, use_cases: UseCases
) -> BulkDeleted:
    """Delete chats (the ``delete`` permission; 403 without): each one the caller may see is erased
    everywhere — messages, notes, attachments, search terms, the export read model and its files not
    yet downloaded, the assignment state — and audited. Ids of chats that do not exist or that the
    caller may not see come back in ``not_found``."""
    return await use_cases.bulk_delete(user, body, request.headers.get("x-correlation-id"))


@router.get("/v1/deletions")
async def list_deletions(user: CurrentUser, use_cases: UseCases, paging: Paging) -> Page[DeletionAudit]:
    """The workspace's deleted chats, newest first: who deleted which chat when, and what went with it."""
    items, total = await use_cases.audit_page(user, paging.skip, paging.page_size)
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)
