"""Settings of the ingest service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "ingest"
    port: int = 8081
    webchat_session_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=1, le=366 * 24 * 3600)
    """How long a person's webchat session token stays valid (a live socket closes then, 4001)."""

    # Limits of the public webchat edge, per fixed minute, shared by every replica (counters in the
    # database). Past one: 429 with Retry-After over HTTP, an error frame or a refused handshake on a
    # socket. 0 disables a limit.
    rate_sessions_per_address_per_minute: int = Field(default=30, ge=0)
    """``LIVECHAT_RATE_SESSIONS_PER_ADDRESS_PER_MINUTE``: webchat sessions one client address may start."""
    rate_sessions_per_app_per_minute: int = Field(default=600, ge=0)
    """``LIVECHAT_RATE_SESSIONS_PER_APP_PER_MINUTE``: webchat sessions started on one app, from anywhere."""
    rate_messages_per_visitor_per_minute: int = Field(default=60, ge=0)
    """``LIVECHAT_RATE_MESSAGES_PER_VISITOR_PER_MINUTE``: messages one visitor may send, over HTTP and
    sockets together."""
    rate_messages_per_app_per_minute: int = Field(default=6000, ge=0)
    """``LIVECHAT_RATE_MESSAGES_PER_APP_PER_MINUTE``: messages from all the visitors of one app."""
    rate_sockets_per_address_per_minute: int = Field(default=120, ge=0)
    """``LIVECHAT_RATE_SOCKETS_PER_ADDRESS_PER_MINUTE``: webchat socket connections one client address may
    open; past it the handshake is refused."""
