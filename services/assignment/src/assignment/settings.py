"""Settings of the assignment service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "assignment"
    port: int = 8083
