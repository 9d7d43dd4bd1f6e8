"""Settings of the assignment service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "assignment"
    port: int = 8083
    assignment_sweep_seconds: float = 1.0
    """How often each replica republishes unconfirmed decisions, requeues the chats of agents away past
    the grace period, and drains queues with room."""
