"""The realtime stream: every inbox replica forwards chat events to the agent sockets it holds,
filtered by what each agent may see."""
