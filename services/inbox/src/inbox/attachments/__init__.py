"""Files agents attach to replies: stored by the inbox, served by signed links."""
