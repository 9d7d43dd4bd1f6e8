"""The chat table (list with filters), a chat's details, and the resync of changed chats."""
