"""Settings of the export service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "export"
    port: int = 8084

    export_ttl_seconds: int = Field(default=24 * 3600, ge=1)
    """How long a finished export file can be downloaded; then it is deleted (410 after)."""
    export_lease_seconds: float = Field(default=60.0, gt=0)
    """How long a running export job is held by its process without a sign of life; past it, another
    process (or this one restarted) takes the job over from the start."""
    export_max_attempts: int = Field(default=3, ge=1)
    """Times an export job is started before one its processes keep dying on is marked ``failed``."""
    export_poll_seconds: float = Field(default=2.0, gt=0)
    """How often each replica looks for queued export jobs (a replica that accepts one starts it at
    once) and for jobs whose process died."""
    export_sweep_seconds: float = Field(default=60.0, gt=0)
    """How often expired export files are deleted."""
    export_max_pending: int = Field(default=3, ge=1)
    """Exports a user may have queued or running at once; more are refused (429)."""
    export_group_linger_seconds: float = Field(default=0.01, ge=0, le=1)
    """How long the read model waits for the events of other chats before storing one, so they are
    stored together (``export.projection.batching``); 0 stores at once what came meanwhile."""
