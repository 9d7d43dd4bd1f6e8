"""The directory the assignment service owns: teamspaces, teams and users (live agents)."""

from __future__ import annotations

from livechat_shared.auth import Role
from pydantic import BaseModel, ConfigDict, EmailStr, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceUpdate(Strict):
    name: str = Field(min_length=1, max_length=120)


class TeamspaceCreate(Strict):
    name: str = Field(min_length=1, max_length=120)


class TeamCreate(Strict):
    teamspace_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=120)


class TeamUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)


class UserCreate(Strict):
    name: str = Field(min_length=1, max_length=120)
    email: EmailStr
    role: Role = Role.AGENT
    team_ids: list[str] = Field(default=[], max_length=50)
    languages: list[str] = Field(default=[], max_length=20)
    max_chats: int | None = Field(default=None, ge=0, le=1000)


class UserUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    role: Role | None = None
    team_ids: list[str] | None = Field(default=None, max_length=50)
    languages: list[str] | None = Field(default=None, max_length=20)
    max_chats: int | None = Field(default=None, ge=0, le=1000)
