"""A person and their chats."""
