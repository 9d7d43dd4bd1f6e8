"""Settings of the inbox service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "inbox"
    port: int = 8082
