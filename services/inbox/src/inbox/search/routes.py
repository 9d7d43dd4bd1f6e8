"""HTTP route of the chat table: parse the query, call the use case, answer a page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .rules import parse_table_query
from .schemas import TABLE_PARAMETERS, ChatPage
from .use_cases import SearchUseCases


def _use_cases(request: Request) -> SearchUseCases:
    use_cases: SearchUseCases = request.app.state.search
    return use_cases


UseCases = Annotated[SearchUseCases, Depends(_use_cases)]
router = APIRouter(tags=["chats"], responses=ERROR_RESPONSES)


@router.get("/v1/chats", openapi_extra={"parameters": TABLE_PARAMETERS})
async def list_chats(request: Request, user: CurrentUser, use_cases: UseCases) -> ChatPage:
    """The chats the caller may see that match every filter given (any of a filter's values),
    newest first unless ``sort`` says otherwise. Besides the parameters below, ``cf.<field key>``
    filters by a custom field's value (``cf.plan=gold``; ``none``: the field is not set). A bad
    value is a 400 naming it (``invalid_filter``, ``invalid_sort``, ``invalid_page``)."""
    return await use_cases.find(user, parse_table_query(request.query_params.multi_items()))
