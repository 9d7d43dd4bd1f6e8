"""Bans at the edge: the copy of active bans, and the check every inbound message passes."""
