"""Moving a chat to another agent or to a team."""
