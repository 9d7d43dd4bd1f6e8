"""How the edge names a banned person."""

from __future__ import annotations

BanKey = str
"""``<app_id>:<external_id>``: a person as the edge knows them."""


def person_key(app_id: str, external_id: str) -> BanKey:
    return f"{app_id}:{external_id}"
