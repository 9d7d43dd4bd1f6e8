"""Settings of the ingest service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "ingest"
    port: int = 8081
    webchat_session_ttl_seconds: int = 7 * 24 * 3600
    """How long a person's webchat session token stays valid."""
