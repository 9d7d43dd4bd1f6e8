"""Lets ``pytest bench/tests`` import ``bench.*`` (the root runs pytest with ``--import-mode=importlib``,
which does not put the repository root on ``sys.path``)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
