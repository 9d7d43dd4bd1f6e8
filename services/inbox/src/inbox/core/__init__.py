"""What every inbox feature leans on: the typed chat and message, their repositories, the
write-with-outbox helper and the events that announce a change."""
