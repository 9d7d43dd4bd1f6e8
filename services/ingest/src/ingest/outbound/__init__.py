"""Outbound delivery: replies sent to the providers' send APIs, and their status callbacks."""
