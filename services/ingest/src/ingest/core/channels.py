"""The channels an app can be created for, and the credentials each one needs."""

from __future__ import annotations

from collections.abc import Mapping

from livechat_shared.contracts import Channel

REQUIRED_CREDENTIALS: dict[Channel, tuple[str, ...]] = {
    "webchat": (),
    "api": (),
    "whatsapp": ("app_secret", "verify_token", "access_token", "phone_number_id"),
    "messenger": ("app_secret", "verify_token", "page_access_token"),
    "telegram": ("bot_token", "secret_token"),
}

PROVIDER_CHANNELS: frozenset[Channel] = frozenset({"whatsapp", "messenger", "telegram"})
"""The channels whose replies go to a provider's send API (webchat and api keep a mailbox)."""


def credential_problem(channel: Channel, credentials: Mapping[str, str]) -> str | None:
    """What is wrong with ``credentials`` for ``channel`` (missing or unknown names), or None."""
    required = REQUIRED_CREDENTIALS[channel]
    missing = [k for k in required if not credentials.get(k)]
    if missing:
        return f"{channel} credentials need: {', '.join(missing)}"
    unknown = sorted(set(credentials) - set(required))
    if unknown:
        return f"unknown credentials for {channel}: {', '.join(unknown)}"
    return None
