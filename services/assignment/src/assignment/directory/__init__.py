"""The directory: the workspace, its teamspaces, teams and users (the agents routing picks from)."""
