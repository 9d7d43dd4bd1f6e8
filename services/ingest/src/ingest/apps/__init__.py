"""Channel apps: an admin creates, lists and reads them; their secrets never leave the service."""
