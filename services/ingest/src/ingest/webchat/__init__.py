"""Webchat: a person's sessions and messages (HTTP and WebSocket), their mailbox, the per-replica
socket hub, the demo page, and the delivery of replies to visitors."""
