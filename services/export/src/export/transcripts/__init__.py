"""One chat's transcript, as text or JSON, from the read model (``download`` permission)."""
