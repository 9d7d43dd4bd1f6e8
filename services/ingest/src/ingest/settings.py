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
    """``LIVECHAT_RATE_MESSAGES_PER_VISITOR_PER_MINUTE``: messages one person may send: a webchat visitor
    over HTTP and sockets together, or a person on a provider or API channel (past it their messages
    are dropped and counted as ``limited``)."""
    rate_messages_per_app_per_minute: int = Field(default=6000, ge=0)
    """``LIVECHAT_RATE_MESSAGES_PER_APP_PER_MINUTE``: messages from all the people of one app (past it a
    webhook delivery gets 429 with ``Retry-After``, and the provider delivers it again later)."""
    rate_sockets_per_address_per_minute: int = Field(default=120, ge=0)
    """``LIVECHAT_RATE_SOCKETS_PER_ADDRESS_PER_MINUTE``: webchat socket connections one client address may
    open; past it the handshake is refused."""
    ban_refresh_seconds: float = Field(default=2.0, gt=0, le=3600)
    """``LIVECHAT_BAN_REFRESH_SECONDS``: how often each replica reads the bans in force from its copy
    (a ban or unban reaches every replica within this)."""
    ban_notice: str = Field(default="", max_length=1000)
    """``LIVECHAT_BAN_NOTICE``: what a banned person is told when their message stops (empty: nothing;
    Webchat shows it in the answer to the message)."""
    webchat_allowed_origins: list[str] = Field(default_factory=lambda: ["*"])
    """``LIVECHAT_WEBCHAT_ALLOWED_ORIGINS`` (a JSON list): the sites whose pages may call the Webchat
    endpoints (the widget runs on the business's own site, another origin). ``["*"]``: any site — the
    endpoints use a bearer token, never cookies, so any origin gains nothing another would not."""
    whatsapp_media_url: str = Field(default="https://graph.facebook.com/v21.0", pattern=r"^https?://")
    """``LIVECHAT_WHATSAPP_MEDIA_URL``: where a WhatsApp media id is fetched from (an inbound image's
    attachment address is ``<this>/<media id>``)."""

    # Outbound delivery: replies sent to the providers' send APIs.
    whatsapp_api_url: str = Field(default="https://graph.facebook.com/v21.0", pattern=r"^https?://")
    """``LIVECHAT_WHATSAPP_API_URL``: the WhatsApp Cloud API (``<this>/<phone_number_id>/messages``)."""
    messenger_api_url: str = Field(default="https://graph.facebook.com/v21.0", pattern=r"^https?://")
    """``LIVECHAT_MESSENGER_API_URL``: the Messenger Send API (``<this>/me/messages``)."""
    telegram_api_url: str = Field(default="https://api.telegram.org", pattern=r"^https?://")
    """``LIVECHAT_TELEGRAM_API_URL``: the Telegram Bot API (``<this>/bot<token>/sendMessage``)."""
    outbound_attempts: int = Field(default=5, ge=1, le=20)
    """``LIVECHAT_OUTBOUND_ATTEMPTS``: tries per provider request (on timeouts, connection errors, 429
    and 5xx) before the message is reported failed and kept as a dead letter."""
    outbound_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    """``LIVECHAT_OUTBOUND_BACKOFF_SECONDS``: the wait before the second try, doubled before each next
    one (capped at 30 seconds)."""
