"""What the documents of one simulated PO need: its plans, what was sent, control numbers."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.status import EventType
from services.simulate.lifecycle import Fact
from services.simulate.partners import TradingPartner

_PLANS = (EventType.APPROVED, EventType.REVISED)


@dataclass
class Order:
    """One PO: its supplier's partner, the approval date, every revision's plan, and the
    messages sent so far per (revision, recipient), in time order (see `sent`)."""

    po: str
    partner: TradingPartner
    ordered: date
    plans: dict[int, dict[str, Any]]
    sends: dict[tuple[int, str], list[tuple[datetime, str]]] = field(default_factory=dict)
    sent_at: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def of(
        cls, po: str, partner: TradingPartner, facts: Sequence[Fact], times: Sequence[datetime]
    ) -> "Order":
        plans = {f.data["revision"]: f.data for f in facts if f.type in _PLANS}
        approved = next(t for f, t in zip(facts, times, strict=True) if f.type in _PLANS)
        return cls(po, partner, approved.date(), plans)

    def recipient(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The plan's entry of the recipient a fact is about (None: not in that plan)."""
        plan = self.plans.get(data.get("revision", 0))
        if plan is None or "recipient" not in data:
            return None
        return next((r for r in plan["recipients"] if r["id"] == data["recipient"]), None)

    def line(self, revision: int, number: int) -> dict[str, Any]:
        """Line `number` of the plan of `revision`."""
        return next(ln for ln in self.plans[revision]["lines"] if ln["line"] == number)

    @property
    def currency(self) -> str:
        return str(self.plans[min(self.plans)]["currency"])

    def sent(self, data: dict[str, Any], message_id: str, when: datetime) -> None:
        """Record a send (call in time order) under the id its format knows it by."""
        key = (data["revision"], data["recipient"])
        self.sends.setdefault(key, []).append((when, message_id))
        self.sent_at[message_id] = when

    def answered(self, data: dict[str, Any], when: datetime) -> str | None:
        """The message a reply at `when` about (revision, recipient) answers: the last one
        sent to them at or before `when`."""
        sends = self.sends.get((data["revision"], data["recipient"]), [])
        return next((mid for at, mid in reversed(sends) if at <= when), None)

    def revision_at(self, recipient: str, at: datetime) -> int:
        """The revision the gateway gives a business answer that names none (translate:
        the highest revision sent to the recipient at or before `at`, else the highest
        ever sent, else 1)."""
        sent = [(rev, sends[0][0]) for (rev, r), sends in self.sends.items() if r == recipient]
        return max([rev for rev, first in sent if first <= at] or [rev for rev, _ in sent] or [1])


class Numbers:
    """Control numbers and tokens from a seeded rng: one running sequence per sender (an
    interchange control number counts up), each starting at a drawn point."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._last: dict[str, int] = {}

    def next(self, sender: str, limit: int = 999_999_999) -> int:
        """The next control number of `sender` (1..limit, wrapping as X12's 9 digits do)."""
        last = self._last.get(sender)
        number = self.rng.randrange(1, limit // 2) if last is None else last % limit + 1
        self._last[sender] = number
        return number

    def token(self, bits: int = 48) -> str:
        """A random lower-case hex token of `bits` bits."""
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"
