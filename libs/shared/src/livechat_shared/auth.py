"""Who is calling, and what they may do.

A bearer JWT proves *who* the caller is: ``sub`` (user id), ``ws`` (workspace) and ``exp``.
Development signs with an HS256 secret; production verifies RS256/ES256 tokens against the
identity provider's JWKS. *What* they may do comes from the directory, never from the token: the
user's role, teams, grants and whether they are active are read on every request (see
``livechat_shared.directory``), so a change takes effect on the user's next request.

The scope rules are plain functions so every service applies the same ones and tests need no I/O.
Objects outside a user's scope are reported as missing (404), never as forbidden.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .contracts import DirectoryUser
from .ids import utcnow
from .settings import ServiceSettings


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"


class Permission(StrEnum):
    VIEW = "view"
    MANAGE = "manage"
    TRANSFER = "transfer"
    EXPORT = "export"
    DOWNLOAD = "download"
    DELETE = "delete"
    BAN = "ban"
    SETTINGS = "settings"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(Permission),
    Role.AGENT: frozenset({Permission.VIEW, Permission.MANAGE, Permission.DOWNLOAD}),
}


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1)
    workspace_id: str = Field(min_length=1)
    role: Role
    teams: frozenset[str] = frozenset()
    grants: frozenset[Permission] = frozenset()
    name: str | None = None
    expires_at: datetime | None = None
    """When the token that proved this identity expires (a live socket closes then)."""
    directory_version: int = 0
    """The version of the directory entry this principal was read from (newer snapshots replace it)."""

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role] | self.grants

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions


class ChatScope(BaseModel):
    """The fields of a chat that decide who may see it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    workspace_id: str
    assignee_id: str | None = None
    team_ids: tuple[str, ...] = ()


def can_see_chat(user: Principal, chat: ChatScope) -> bool:
    """admin: the whole workspace; supervisor: their teams' chats and their own; agent: their own
    chats and their teams' chats nobody is assigned to."""
    if user.workspace_id != chat.workspace_id or not user.has(Permission.VIEW):
        return False
    if user.role is Role.ADMIN or chat.assignee_id == user.user_id:
        return True
    shares_team = not user.teams.isdisjoint(chat.team_ids)
    if user.role is Role.SUPERVISOR:
        return shares_team
    return shares_team and chat.assignee_id is None


def can_act_on_chat(user: Principal, chat: ChatScope, permission: Permission) -> bool:
    return can_see_chat(user, chat) and user.has(permission)


class InvalidTokenError(Exception):
    pass


class Identity(BaseModel):
    """What a verified token says: who the caller is, and until when."""

    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1, max_length=64)
    workspace_id: str = Field(min_length=1, max_length=64)
    expires_at: datetime


def principal_for(identity: Identity, user: DirectoryUser | None) -> Principal | None:
    """The caller as the directory knows them; ``None`` when the directory does not know the user
    in that workspace, or they are deactivated."""
    if (
        user is None
        or not user.active
        or (user.id, user.workspace_id) != (identity.user_id, identity.workspace_id)
    ):
        return None
    return Principal(
        user_id=user.id,
        workspace_id=user.workspace_id,
        role=Role(user.role),
        teams=frozenset(user.team_ids),
        grants=frozenset(Permission(g) for g in user.grants),
        name=user.name,
        expires_at=identity.expires_at,
        directory_version=user.version,
    )


class TokenVerifier:
    """Verifies bearer tokens: HS256 with the configured secret, or the JWKS of an identity provider."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        )

    async def verify(self, token: str) -> Identity:
        try:
            if self._jwks is not None:
                key = (await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)).key
                algorithms = ["RS256", "ES256"]
            else:
                key, algorithms = self.settings.jwt_secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["sub", "exp"], "verify_aud": self.settings.jwt_audience is not None},
            )
            return Identity(
                user_id=claims["sub"],
                workspace_id=claims["ws"],
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (jwt.PyJWTError, ValidationError, KeyError, ValueError, TypeError, OverflowError) as exc:
            raise InvalidTokenError(str(exc)) from exc


def issue_token(
    settings: ServiceSettings,
    *,
    user_id: str,
    workspace_id: str,
    role: Role | str | None = None,
    teams: Iterable[str] = (),
    name: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """Sign an HS256 token with the configured secret (development and tests; production uses an IdP).

    ``role``, ``teams`` and ``name`` are informational claims for clients: the services read the
    user's role, teams and grants from the directory, never from the token."""
    if settings.jwt_jwks_url:
        raise RuntimeError("tokens are issued by the identity provider when LIVECHAT_JWT_JWKS_URL is set")
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": user_id,
        "ws": workspace_id,
        "teams": sorted(teams),
        "iat": now,
        "exp": now + ttl,
    }
    if role is not None:
        claims["role"] = str(Role(role))
    if name:
        claims["name"] = name
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
