"""Settings of the inbox service (`LIVECHAT_*` environment variables)."""

from livechat_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "inbox"
    port: int = 8082
    overdue_sweep_seconds: float = Field(default=5.0, gt=0)
    """How often the overdue rule looks for livechats past their teamspace's reply-time limit."""
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """The largest file an agent may upload for a reply (larger: 413)."""
    attachment_link_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    """How long an attachment's signed link works."""
    table_count_cap: int = Field(default=10_000, ge=1)
    """The chat table counts matching chats exactly up to here, then answers ``total_exact: false``."""
    tombstone_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    """How long a deleted chat's tombstone is kept, so ``GET /v1/sync`` reports the deletion to a
    client that missed it; a client whose sync cursor is older reloads its chats instead."""
    search_backfill_retry_seconds: float = Field(default=60.0, gt=0)
    """How long the start-up rebuild of chats stored without search terms waits to try again after
    a failure (the database unreachable)."""
    public_url: str = "http://127.0.0.1:8082"
    """Where people and channels reach this service (attachment links are made with it)."""
