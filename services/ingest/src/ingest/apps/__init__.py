"""Channel apps: an admin creates, lists and reads them; their secrets are shown once, at creation."""
