"""A teamspace's chat assignment settings and chat rules."""
