"""Response models of the interactions API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

Period = Literal["day", "month"]


class PeriodCount(BaseModel):
    period: str
    """``YYYY-MM-DD`` (day) or ``YYYY-MM`` (month), UTC."""
    person: int
    """Messages the person sent."""
    ai: int
    agent: int
    total: int


class Interactions(BaseModel):
    """Interactions of the workspace between ``start`` and ``end`` (excluded), per period, oldest first;
    periods without any are left out."""

    period: Period
    start: datetime
    end: datetime
    items: list[PeriodCount]
    total: int
