"""Exports: a background job writes the chats a user may see, filtered as the Livechats table, to a
CSV or JSONL file in GridFS, which its creator downloads until it expires."""
