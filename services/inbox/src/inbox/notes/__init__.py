"""Internal notes on a chat: written by agents for agents, never sent to the person, not messages."""
