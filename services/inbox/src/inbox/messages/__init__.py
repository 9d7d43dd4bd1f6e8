"""A chat's history, agents' replies (Send / Takeover & Send) and the delivery state of replies."""
