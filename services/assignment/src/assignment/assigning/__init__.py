"""Assigning: the workflow around routing's pure decisions — the FIFO pending queue, atomic claims of
agents' capacity, the assignment of each chat (at most once) and the decision log."""
