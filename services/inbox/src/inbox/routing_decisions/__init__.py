"""Routing's decisions applied to chats: assigned to an agent, or taken back to the queue."""
