"""Request and response models of the channel apps API."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.contracts import Channel
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core.channels import credential_problem
from ..core.models import App


class AppCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teamspace_id: str = Field(min_length=1, max_length=64)
    channel: Channel
    name: str = Field(min_length=1, max_length=120)
    credentials: dict[str, str] = {}
    team_ids: list[str] = Field(default=[], max_length=50)

    @model_validator(mode="after")
    def _credentials_fit_channel(self) -> AppCreate:
        problem = credential_problem(self.channel, self.credentials)
        if problem:
            raise ValueError(problem)
        return self


class AppOut(BaseModel):
    """An app as the API shows it: the names of its credentials, never their values."""

    id: str
    workspace_id: str
    teamspace_id: str
    team_ids: list[str]
    channel: Channel
    name: str
    credentials: list[str]
    """The names of the app's credentials, sorted."""
    created_at: datetime

    @classmethod
    def of(cls, app: App) -> AppOut:
        return cls(
            id=app.id,
            workspace_id=app.workspace_id,
            teamspace_id=app.teamspace_id,
            team_ids=app.team_ids,
            channel=app.channel,
            name=app.name,
            credentials=sorted(app.credentials),
            created_at=app.created_at,
        )


class AppCreated(AppOut):
    """The app just created; its secrets are shown here once and never again."""

    api_key: str | None = Field(
        default=None,
        description="api apps only: the key the channel sends as `Authorization: Bearer`. Shown once.",
    )
    identity_secret: str | None = Field(
        default=None,
        description=(
            "webchat apps only: the identity-verification secret. The site's backend sends "
            "`visitor_hash` = hex HMAC-SHA256 of the `visitor_id` under this secret when it starts a "
            "session for its own user id. Keep it on the server. Shown once."
        ),
    )
