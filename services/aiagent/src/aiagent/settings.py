"""Settings of the aiagent service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "aiagent"
    port: int = 8085

    bot_config_cache_seconds: float = Field(default=1.0, ge=0.0, le=60.0)
    """How long a replica answers with an app's bot configuration before reading it again (a change
    made on another replica takes effect within this time; on the same replica, at once)."""
    bot_config_max_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    """The largest body of ``PUT /v1/apps/{app_id}/bot`` (a knowledge base of up to 500 articles)."""
    llm_max_timeout_seconds: float = Field(default=60.0, gt=0.0, le=600.0)
    """The longest any app's generative brain may take for one message, whatever its configuration."""
    processed_events_retention_days: int = Field(default=30, ge=1)
    """How long the ids of handled events are kept to recognise a redelivery."""
