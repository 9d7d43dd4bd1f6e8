"""Webhooks of the provider channels and the generic API channel (no agent token: each is proven by
its provider's mechanism). Bodies are read raw: a signature covers the exact bytes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import PlainTextResponse
from livechat_shared.web import ERROR_RESPONSES, bearer_token, inline_json_schema

from ..core.models import MAX_SAFE_INTEGER
from .schemas import ApiMessage, ApiReplies, ApiReply, WebhookResult
from .use_cases import ChannelUseCases


async def _use_cases(request: Request) -> ChannelUseCases:
    use_cases: ChannelUseCases = request.app.state.channels
    return use_cases


UseCases = Annotated[ChannelUseCases, Depends(_use_cases)]
MetaChannel = Literal["whatsapp", "messenger"]
router = APIRouter(tags=["channels"], responses=ERROR_RESPONSES)


# Telegram first: its path would also match the Meta channels' pattern.
@router.post("/v1/webhooks/telegram/{app_id}")
async def telegram_webhook(
    app_id: str,
    request: Request,
    use_cases: UseCases,
    secret_token: Annotated[
        str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token", max_length=256)
    ] = None,
) -> WebhookResult:
    """A Telegram update; 401 ``invalid_signature`` unless the secret-token header is the app's."""
    return await use_cases.telegram_update(app_id, await request.body(), secret_token)


@router.get("/v1/webhooks/{channel}/{app_id}", response_class=PlainTextResponse)
async def verify_webhook(
    channel: MetaChannel,
    app_id: str,
    use_cases: UseCases,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=50)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=500)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=500)] = None,
) -> PlainTextResponse:
    """The subscription check of WhatsApp and Messenger: ``hub.challenge`` echoed when
    ``hub.verify_token`` is the app's (403 ``handshake_refused`` otherwise)."""
    return PlainTextResponse(await use_cases.handshake(channel, app_id, mode, token, challenge))


@router.post("/v1/webhooks/{channel}/{app_id}")
async def meta_webhook(
    channel: MetaChannel,
    app_id: str,
    request: Request,
    use_cases: UseCases,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256", max_length=200)] = None,
) -> WebhookResult:
    """A WhatsApp Cloud API or Messenger delivery. 401 ``invalid_signature`` unless
    ``X-Hub-Signature-256`` is the HMAC-SHA256 of the body with the app secret; 400
    ``malformed_payload`` for a body that is not the provider's payload; 503 when the broker did not
    confirm (the provider delivers again)."""
    return await use_cases.meta_delivery(channel, app_id, await request.body(), signature)


@router.post(
    "/v1/api-channel/{app_id}/messages",
    status_code=202,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": inline_json_schema(ApiMessage)}}}
    },
)
async def api_channel_message(
    app_id: str,
    request: Request,
    use_cases: UseCases,
    authorization: Annotated[str | None, Header(max_length=4096)] = None,
) -> WebhookResult:
    """A message from any other source (``ApiMessage``), with ``Authorization: Bearer <api key>`` (the
    key shown once when the app was created). A repeated ``external_message_id`` is accepted once."""
    return await use_cases.api_message(app_id, await request.body(), bearer_token(authorization))


@router.get("/v1/api-channel/{app_id}/people/{person_external_id}/replies")
async def api_channel_replies(
    app_id: str,
    person_external_id: Annotated[str, Path(min_length=1, max_length=200)],
    use_cases: UseCases,
    after: Annotated[int, Query(ge=0, le=MAX_SAFE_INTEGER)] = 0,
    authorization: Annotated[str | None, Header(max_length=4096)] = None,
) -> ApiReplies:
    """The replies (agents' and the AI's) to a person of an API-channel app after cursor ``after``,
    oldest first, at most 200; fetch again from the last ``cursor``. Each is reported delivered."""
    entries = await use_cases.api_replies(app_id, bearer_token(authorization), person_external_id, after)
    return ApiReplies(items=[ApiReply(cursor=e.cursor, message=e.message) for e in entries])
