"""Bus subscribers of the chats feature."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import Envelope, TeamspaceSettingsChangedV1

from .use_cases import TeamspaceRules


def on_teamspace_settings_changed(rules: TeamspaceRules) -> Handler:
    async def on_teamspace_settings_changed(envelope: Envelope) -> None:
        await rules.apply(envelope.workspace_id, envelope.open(TeamspaceSettingsChangedV1))

    return on_teamspace_settings_changed
