"""A chat's details, changing them (description, status, custom fields, tags), the overdue rule, and
the resync of changed chats (the chat table is the search feature's)."""
