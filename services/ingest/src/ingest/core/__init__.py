"""What every feature of the channel edge leans on: the stored entities and their repositories,
the publisher port, the inbound acceptor and the delivery reports."""
