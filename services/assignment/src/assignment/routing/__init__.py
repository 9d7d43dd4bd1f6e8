"""Routing: which eligible agent a handed-off chat goes to, and why (pure decisions, no I/O)."""
