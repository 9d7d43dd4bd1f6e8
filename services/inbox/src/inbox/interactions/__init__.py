"""The workspace's interactions: every message to or from a person, counted per period."""
