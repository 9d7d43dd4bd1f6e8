"""A person's message from a channel: the person, their current chat (started in AI mode when
there is none) and the message, stored exactly once and in the order the channel delivered them."""
