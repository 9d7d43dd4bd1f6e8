"""Secrets handed out once (session tokens, API keys) and the digest stored in their place."""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored instead of a session token or API key."""
    return hashlib.sha256(secret.encode()).hexdigest()
