"""The projections: each applies batches of facts to its view tables (`projections.tables`)."""

# Every projection by name, in the order `potrack project` and `potrack replay` run them.
PROJECTION_NAMES = ("status", "audit", "alerts", "performance", "commitments", "sent")
