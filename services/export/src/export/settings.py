"""Settings of the export service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "export"
    port: int = 8084
