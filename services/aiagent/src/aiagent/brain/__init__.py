"""The AI agent's default brain: pure, offline, configurable per app (no I/O, no bus, no HTTP).

``schemas`` holds what an app configures and what the brain decides and remembers, ``knowledge``
ranks the app's articles for a message, ``rules`` turns a message into one turn.
"""
