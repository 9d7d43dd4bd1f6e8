"""The AI agent's conversations: answering on AI chats, handing off, collecting feedback."""
