"""The notifier (`potrack notify`): alert transitions routed by rules to people, through
Apprise, delivered from a durable queue with a ledger of what was sent."""
