"""The projections: each applies batches of facts to its view tables (`projections.tables`)."""
