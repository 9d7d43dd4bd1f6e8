"""The assignment benchmark: handoffs to assignments with three assignment replicas."""
