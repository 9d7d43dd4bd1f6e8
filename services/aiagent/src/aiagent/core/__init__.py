"""What every feature of the AI agent leans on."""
