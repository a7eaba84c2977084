"""Readers of each B2B format: document bytes in, a `Reading` (statements.py) out, pure."""
