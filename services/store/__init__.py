"""Storage adapters: the event store (eventsourcing) and the views database."""
