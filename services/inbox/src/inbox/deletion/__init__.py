"""Deleting chats: erased everywhere, audited, announced."""
