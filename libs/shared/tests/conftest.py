"""Unit tests of the shared library: no broker, no database, no ``LIVECHAT_*`` from the caller's shell."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_livechat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("LIVECHAT_"):
            monkeypatch.delenv(name)
