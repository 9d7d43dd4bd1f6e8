"""Agents' presence (online, away, offline), set by each user for themselves and announced to the
features that route and requeue chats."""
