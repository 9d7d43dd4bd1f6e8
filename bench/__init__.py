"""Benchmarks of the livechat suite (development only; nothing here is imported by a service)."""
