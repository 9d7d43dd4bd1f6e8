"""Request model of a transfer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TransferRequest(BaseModel):
    """Exactly one of ``agent_id`` (the agent becomes the assignee) and ``team_id`` (the team's
    assignment rules pick a member)."""

    model_config = ConfigDict(extra="forbid")

    agent_id: str | None = Field(default=None, min_length=1, max_length=64)
    team_id: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _exactly_one(self) -> TransferRequest:
        if (self.agent_id is None) == (self.team_id is None):
            raise ValueError("give exactly one of agent_id and team_id")
        return self
