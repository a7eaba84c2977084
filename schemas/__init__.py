"""potrack schemas package."""
