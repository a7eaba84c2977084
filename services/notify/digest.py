"""Digests: which queued transitions of one target go out now, and together. Pure.

The window, per target: a transition queued by a rule with `digest_minutes = N` is due N
minutes after it was queued. When the earliest due transition of a target's digest rows
is due, every digest row then queued for that target goes out in one message, however
recently it was queued (so a backlog of a thousand alerts is one email, not a thousand);
the next transition queued after that opens a new window. A transition routed to the same
target by several rules takes the shortest window. `digest_minutes = 0` rows go out at
once, one message per transition. A message lists at most `MOST_PER_MESSAGE`
transitions; a longer backlog goes out as several messages at once. A failed send keeps
its rows queued: what is queued meanwhile joins the retry.
"""

from datetime import datetime

from projections.tables.notifications import Queued

MOST_PER_MESSAGE = 1000


def messages(rows: list[Queued], now: datetime, most: int = MOST_PER_MESSAGE) -> list[list[Queued]]:
    """The messages to send `now` from the queued rows of one target, in queue order:
    each due single row alone, then the digest rows (when the window is closed) in
    slices of at most `most`."""
    singles = [[q] for q in rows if q.single and q.due_at <= now]
    digest = [q for q in rows if not q.single]
    if not digest or min(q.due_at for q in digest) > now:
        return singles
    return singles + [digest[i : i + most] for i in range(0, len(digest), most)]
