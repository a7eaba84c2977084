"""potrack services package."""
