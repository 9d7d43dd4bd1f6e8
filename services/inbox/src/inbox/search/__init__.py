"""Finding chats: the chat table's keyword search, filters, sort and pages (``GET /v1/chats``), and
rebuilding a chat's search terms from what is stored."""
