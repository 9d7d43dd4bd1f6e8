"""What an app's AI agent says and does until an admin configures it (the brain's defaults, which the
bot configuration API shows)."""

from __future__ import annotations

GREETING = "Hello! How can I help you?"
CONFIDENCE_THRESHOLD = 0.5
FALLBACK_ANSWER = "Sorry, I did not understand. Could you put it another way?"
HANDOFF_ANSWER = "Let me find a person to help you."
MAX_LOW_CONFIDENCE_IN_A_ROW = 3

HANDOFF_KEYWORDS = (
    # en
    "agent",
    "human",
    "operator",
    "representative",
    "real person",
    # fr, es, de
    "humain",
    "conseiller",
    "humano",
    "agente",
    "mensch",
    "mitarbeiter",
)
"""Words that ask for a person, matched as whole words, ignoring case and accents."""


def unique_article_ids(ids: list[str]) -> None:
    """Refuse a knowledge base naming one article id twice (the brain's and the API's check)."""
    if len(ids) != len(set(ids)):
        raise ValueError("article ids must be unique")
