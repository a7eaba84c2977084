"""The supplier portal: a signed link per recipient and revision, no login (contract §6)."""
