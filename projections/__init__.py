"""potrack projections: pure functions over recorded facts, plus their runner."""
