"""Idempotent consumers: a handler applies an event together with a write that a unique index
makes happen once — the natural key of what it stores (a channel's message id, a client's message
id) or a version it moves forward. A repeat collides, the handler raises
:class:`AlreadyProcessedError` inside its transaction, the transaction aborts and the message is
acked, having changed nothing.
"""


class AlreadyProcessedError(Exception):
    """The event was applied before; the transaction is aborted and the message can be acked."""
