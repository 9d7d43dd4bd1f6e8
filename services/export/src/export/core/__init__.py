"""What the export service's features lean on: the read model of the chats (fed by the inbox's
events), its typed records and queries, who may see which chat, and the words chats are found by."""
