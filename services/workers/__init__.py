"""Background workers: the projection loop, the watermark follower and the outbox publisher."""
