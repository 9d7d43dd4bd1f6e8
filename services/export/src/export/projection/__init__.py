"""The read model: the inbox's chat snapshots, messages and deletions applied to the export service's
own copy of the chats (it never reads the inbox's collections)."""
