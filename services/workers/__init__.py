"""Background workers: the projection loop, the alert clock and the outbox publisher."""
