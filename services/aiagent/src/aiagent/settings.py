"""Settings of the aiagent service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "aiagent"
    port: int = 8085
