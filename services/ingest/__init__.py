"""Ingest: the inbound topics into the event store, exactly once (`potrack ingest`)."""
