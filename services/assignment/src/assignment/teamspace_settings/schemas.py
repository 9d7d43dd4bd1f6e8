"""Request and response models of a teamspace's settings."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.contracts import TeamspaceSettings
from pydantic import ConfigDict


class TeamspaceSettingsView(TeamspaceSettings):
    """The settings with the teamspace they belong to; ``version`` grows with every change (0: the
    defaults, never changed)."""

    teamspace_id: str
    version: int
    updated_at: datetime | None = None


class TeamspaceSettingsPut(TeamspaceSettings):
    """The whole settings (a field left out takes its default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
