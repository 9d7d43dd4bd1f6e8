"""The providers' send APIs over one shared HTTP client: a request in, the provider's message id out,
any failure as :class:`~.rules.SendFailed` (retryable or not). What to send and how to read the answer
are the rules of each channel; an adapter only speaks HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
from livechat_shared.contracts import Channel, MessageView

from . import rules
from .rules import SendFailed
from .schemas import ProviderRequest

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Per try: a provider that does not answer in time is tried again (the message may then arrive twice,
the price of not losing it)."""


def http_client() -> httpx.AsyncClient:
    """The client every adapter shares (one connection pool); close it when the service stops."""
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)


class ProviderApi:
    """A provider's send API at ``base_url``."""

    channel: ClassVar[str]

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client, self.base_url = client, base_url.rstrip("/")

    def requests(
        self, credentials: Mapping[str, str], to: str, message: MessageView
    ) -> list[ProviderRequest]:
        raise NotImplementedError

    def message_id(self, request: ProviderRequest, answer: Any) -> str | None:
        raise NotImplementedError

    async def send(self, request: ProviderRequest) -> str:
        try:
            response = await self.client.post(
                f"{self.base_url}/{request.path}",
                json=request.body,
                headers=request.headers,
                params=request.params,
            )
        except httpx.TransportError as exc:  # refused, reset, timed out: the provider may be back soon
            raise SendFailed(f"{self.channel} unreachable ({type(exc).__name__})", retryable=True) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise SendFailed(f"{self.channel} request failed ({type(exc).__name__})") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not response.is_success:
            raise rules.refused(self.channel, response.status_code, answer)
        message_id = self.message_id(request, answer)
        if message_id is None:  # it may have sent it: not tried again
            raise SendFailed(f"{self.channel} answered {response.status_code} without a message id")
        return message_id


class WhatsAppApi(ProviderApi):
    channel = "whatsapp"

    def requests(
        self, credentials: Mapping[str, str], to: str, message: MessageView
    ) -> list[ProviderRequest]:
        return rules.whatsapp_requests(credentials, to, message)

    def message_id(self, request: ProviderRequest, answer: Any) -> str | None:
        return rules.whatsapp_message_id(answer)


class MessengerApi(ProviderApi):
    channel = "messenger"

    def requests(
        self, credentials: Mapping[str, str], to: str, message: MessageView
    ) -> list[ProviderRequest]:
        return rules.messenger_requests(credentials, to, message)

    def message_id(self, request: ProviderRequest, answer: Any) -> str | None:
        return rules.messenger_message_id(answer)


class TelegramApi(ProviderApi):
    channel = "telegram"

    def requests(
        self, credentials: Mapping[str, str], to: str, message: MessageView
    ) -> list[ProviderRequest]:
        return rules.telegram_requests(credentials, to, message)

    def message_id(self, request: ProviderRequest, answer: Any) -> str | None:
        return rules.telegram_message_id(request, answer)


def provider_apis(
    client: httpx.AsyncClient, *, whatsapp_url: str, messenger_url: str, telegram_url: str
) -> dict[Channel, ProviderApi]:
    """The one table of outbound adapters, by channel."""
    return {
        "whatsapp": WhatsAppApi(client, whatsapp_url),
        "messenger": MessengerApi(client, messenger_url),
        "telegram": TelegramApi(client, telegram_url),
    }
