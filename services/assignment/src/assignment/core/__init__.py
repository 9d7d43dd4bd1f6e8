"""What every feature of the assignment service leans on: the typed stored entities."""
