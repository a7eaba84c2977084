"""The scripted lifecycle of one simulated PO: what the buyer, gateways and supplier do, when."""

import math
import random
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any, NamedTuple

from projections.forecast import minor_units
from schemas.status import Channel, EventType
from services.simulate.policy import DAYS_EARLY, DAYS_LATE, PRICE_PCT, QUANTITY_PCT
from services.simulate.profiles import (
    ACK_SOURCE,
    BUYERS,
    CANCEL_REASONS,
    CATALOG,
    ERP_SOURCES,
    FX,
    GATEWAY,
    INTERNAL,
    LINE_COUNTS,
    PORTAL_SOURCE,
    REJECT_REASONS,
    REVISE_REASONS,
    TRANSPORTS,
    Supplier,
)

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


class Fact(NamedTuple):
    """One scripted event: seconds after the approval, type, source, data, source UTC offset."""

    at: float
    type: EventType
    source: str
    data: dict[str, Any]
    utc_offset: float = 0.0


def lifecycle(rng: random.Random, supplier: Supplier, approved_on: date) -> list[Fact]:
    """Every event of one PO's life, unordered, timed relative to its approval."""
    return _Script(rng, supplier).run(approved_on)


def _shifted(day: str, days: int) -> str:
    """The ISO date `days` after `day` (before, when negative)."""
    return str(date.fromisoformat(day) + timedelta(days=days))


def _recipient(id: str, kind: str, channel: Channel, address: str) -> dict[str, Any]:
    return {"id": id, "kind": kind, "channel": channel.value, "address": address}


class _Script:
    def __init__(self, rng: random.Random, supplier: Supplier) -> None:
        self.rng, self.supplier, self.b = rng, supplier, supplier.behaviour
        self.facts: list[Fact] = []
        self.erp = rng.choice(ERP_SOURCES)
        self.reference = f"SO-{rng.randint(100000, 999999)}"
        self.fixed = False  # the buyer corrected a bouncing address

    def add(self, at: float, type: EventType, source: str, data: dict[str, Any]) -> None:
        # Business answers carry the supplier's local time; buyer-side systems stamp UTC.
        tz = self.supplier.utc_offset if type is EventType.ACKNOWLEDGED else 0.0
        self.facts.append(Fact(at, type, source, data, tz))

    def run(self, approved_on: date) -> list[Fact]:
        rng = self.rng
        order = self.order(approved_on)
        self.add(0.0, EventType.APPROVED, self.erp, order)
        revise_at = rng.uniform(2 * HOUR, 4 * DAY) if rng.random() < 0.15 else math.inf
        bounced_at = self.distribute(order, 0.0, revise_at)
        fix = bounced_at is not None and revise_at == math.inf and rng.random() < 0.5
        if fix and bounced_at is not None:
            revise_at = bounced_at + rng.uniform(HOUR, 2 * DAY)
        while revise_at < math.inf:
            order = self.revise(order, fix)
            self.add(revise_at, EventType.REVISED, self.erp, order)
            next_at = revise_at + rng.uniform(4 * HOUR, 5 * DAY) if rng.random() < 0.1 else math.inf
            self.distribute(order, revise_at, next_at)
            revise_at, fix = next_at, False
        if rng.random() < 0.04:
            self.cancel(rng.uniform(30 * MINUTE, 6 * DAY))
        return self.facts

    @property
    def minor(self) -> Decimal:
        """The smallest amount of the supplier's currency (ISO 4217: JPY 1, KWD 0.001)."""
        units = minor_units(self.supplier.currency)
        return Decimal(1).scaleb(-(2 if units is None else units))

    def money(self, amount: Decimal) -> str:
        return str(amount.quantize(self.minor))

    def line(self, number: int, approved_on: date) -> dict[str, Any]:
        sku, description, low, high, qty_low, qty_high = self.rng.choice(CATALOG)
        price = Decimal(repr(self.rng.uniform(low, high) * FX[self.supplier.currency]))
        need_by = approved_on + timedelta(days=self.rng.randint(7, 60))
        quantity = self.rng.randint(qty_low, qty_high)
        line = {"line": number, "sku": sku, "description": description, "quantity": quantity}
        return line | {"unit_price": self.money(price), "need_by": str(need_by)}

    def total(self, lines: list[dict[str, Any]]) -> str:
        return self.money(sum(ln["quantity"] * Decimal(ln["unit_price"]) for ln in lines))

    def order(self, approved_on: date) -> dict[str, Any]:
        rng, s = self.rng, self.supplier
        lines = [self.line(n, approved_on) for n in range(1, rng.choice(LINE_COUNTS) + 1)]
        recipients = [_recipient(f"{s.id}:orders", "supplier", s.channel, s.address(s.channel))]
        if rng.random() < 0.12:
            sales = s.address(Channel.EMAIL, "sales")
            recipients.append(_recipient(f"{s.id}:sales", "supplier", Channel.EMAIL, sales))
        for rid, channel, address, share in INTERNAL:
            if rng.random() < share:
                recipients.append(_recipient(rid, "internal", channel, address))
        data: dict[str, Any] = {"revision": 1, "supplier": {"id": s.id, "name": s.name}}
        if rng.random() < 0.9:
            buyer = rng.randrange(len(BUYERS))
            email = f"{BUYERS[buyer]}@buyer.example"
            data["buyer"] = {"id": f"BUY-{buyer * 7 + 14:03d}", "email": email}
        data |= {"currency": s.currency, "total_amount": self.total(lines)}
        if s.terms_days != 30 or rng.random() < 0.5:
            data["payment_terms_days"] = s.terms_days
        data |= {"lines": lines, "recipients": recipients}
        if rng.random() < 0.06:
            data["acknowledgment_required"] = False
        elif rng.random() < 0.15:
            data["acknowledgment_due_hours"] = rng.choice((24, 48, 72))
        return data

    def revise(self, previous: dict[str, Any], fix: bool) -> dict[str, Any]:
        rng = self.rng
        lines = [dict(ln) for ln in previous["lines"]]
        recipients = [dict(r) for r in previous["recipients"]]
        what = "fix" if fix else rng.choice(tuple(REVISE_REASONS))
        target = rng.choice(lines)
        if what == "fix":  # the buyer got a working address from the supplier
            self.fixed = True
            contact = next(r for r in recipients if r["kind"] == "supplier")
            contact |= {"channel": "email", "address": self.supplier.address(Channel.EMAIL, "po")}
        elif what == "quantity":
            target["quantity"] += rng.randint(1, max(1, target["quantity"] // 2))
        elif what == "date":
            moved = date.fromisoformat(target["need_by"]) + timedelta(days=rng.randint(-5, 20))
            target["need_by"] = str(moved)
        elif what == "price":
            target["unit_price"] = self.money(Decimal(target["unit_price"]) * Decimal("0.97"))
        else:
            numbers = [ln["line"] for ln in lines]
            lines.append(self.line(max(numbers) + 1, date.fromisoformat(target["need_by"])))
        if rng.random() < 0.2 and not any(r["id"] == "receiving-dock" for r in recipients):
            rid, channel, address, _ = INTERNAL[1]
            recipients.append(_recipient(rid, "internal", channel, address))
        reason = "corrected supplier address" if fix else REVISE_REASONS[what]
        revision = previous["revision"] + 1
        new = {"revision": revision, "lines": lines, "recipients": recipients, "reason": reason}
        return previous | new | {"total_amount": self.total(lines)}

    def distribute(self, order: dict[str, Any], start: float, superseded: float) -> float | None:
        """Send one revision to every recipient; returns when a supplier address bounced."""
        rng, bounced_at = self.rng, None
        for r in order["recipients"]:
            channel, supplier_side = Channel(r["channel"]), r["kind"] == "supplier"
            gateway, transport = GATEWAY[channel], TRANSPORTS[channel]
            about = {"revision": order["revision"], "recipient": r["id"]}
            # EDI leaves in hourly batches; the others within a minute or two
            at = start + (
                rng.uniform(5 * MINUTE, HOUR) if channel is Channel.EDI else rng.uniform(5, 120)
            )
            transient = self.b.transient if supplier_side else 0.02
            for attempt in (1, 2, 3):
                message = {"message_id": f"<{rng.getrandbits(64):016x}@{channel.value}.buyer>"}
                sent = about | {"channel": channel.value} | message
                self.add(
                    at,
                    EventType.SENT,
                    gateway,
                    sent | ({"attempt": attempt} if attempt > 1 else {}),
                )
                at += rng.uniform(1, 90)
                if attempt == 3 or rng.random() >= transient:
                    break
                code, reason = transport.transient
                failure = {"permanent": False, "code": code, "reason": reason} | message
                self.add(at, EventType.DELIVERY_FAILED, gateway, about | failure)
                at += rng.uniform(10 * MINUTE, 2 * HOUR) * attempt
            if supplier_side and not self.fixed and rng.random() < self.b.bounce:
                code, reason = transport.permanent
                failure = {"permanent": True, "code": code, "reason": reason.format(**r)} | message
                self.add(at, EventType.DELIVERY_FAILED, gateway, about | failure)
                bounced_at = at if bounced_at is None else bounced_at
                continue
            delivered = sent | {"evidence": transport.delivered}
            self.add(at, EventType.DELIVERED, gateway, delivered)
            odds, evidence = self.receipt(channel, supplier_side)
            if rng.random() < odds:
                # a translator's functional acknowledgment comes within minutes
                low, high = (
                    (MINUTE, 45 * MINUTE) if channel is Channel.EDI else (2 * MINUTE, 8 * HOUR)
                )
                seen = at + rng.uniform(low, high)
                # a supplier opening its portal link: the portal itself reports the view
                viewer = ACK_SOURCE[channel] if supplier_side else gateway
                self.add(seen, EventType.RECEIVED, viewer, about | {"evidence": evidence})
            if supplier_side:
                self.acknowledge(order, about, ACK_SOURCE[channel], at, superseded)
        return bounced_at

    def receipt(self, channel: Channel, supplier_side: bool) -> tuple[float, str]:
        """The odds that the recipient reports taking the PO in, and the evidence it gives."""
        if channel is Channel.EDI:  # X12 997 or EDIFACT CONTRL: sent by nearly every translator
            return 0.96, "edifact-contrl-accepted" if self.supplier.edifact else "edi-997-accepted"
        return (self.b.receipt if supplier_side else 0.15), TRANSPORTS[channel].received

    def acknowledge(
        self,
        order: dict[str, Any],
        about: dict[str, Any],
        source: str,
        delivered: float,
        superseded: float,
    ) -> None:
        rng, b = self.rng, self.b
        optional = not order.get("acknowledgment_required", True)
        if b.ack_hours is None or (optional and rng.random() < 0.7):
            return
        at = delivered + math.exp(rng.uniform(*map(math.log, b.ack_hours))) * HOUR
        if superseded < math.inf and rng.random() < b.stale:
            at = max(at, superseded + rng.uniform(10 * MINUTE, 12 * HOUR))  # a stale answer
        elif at > superseded:
            return  # it answers the newer revision instead
        # potrack's portal takes a backordered line only with its date (issue 13)
        answer = self.answer(order, about, dated=source == PORTAL_SOURCE)
        self.add(at, EventType.ACKNOWLEDGED, source, answer)
        if answer["decision"] == "accepted_with_changes" and rng.random() < 0.3:
            # agreed on the phone: a newer confirmation replaces the first one
            again = about | {"decision": "accepted", "supplier_reference": self.reference}
            self.add(at + rng.uniform(HOUR, 3 * DAY), EventType.ACKNOWLEDGED, source, again)

    def answer(
        self, order: dict[str, Any], about: dict[str, Any], dated: bool = False
    ) -> dict[str, Any]:
        rng, b, roll = self.rng, self.b, self.rng.random()
        if roll < b.reject:
            return about | {"decision": "rejected", "reason": rng.choice(REJECT_REASONS)}
        answer = about | {"decision": "accepted", "supplier_reference": self.reference}
        if roll < b.reject + b.changes:
            lines = self.changes(order, dated)
            return answer | {"decision": "accepted_with_changes", "lines": lines}
        if rng.random() < 0.3:  # accepted line by line, each with the date it will come
            answer["lines"] = [
                {"line": ln["line"], "decision": "accepted", "promised_date": self.on_time(ln)}
                for ln in order["lines"]
            ]
        return answer

    def on_time(self, line: dict[str, Any]) -> str:
        """The date an accepting supplier promises a line: mostly the need-by date,
        sometimes a few days early (or, rarely, a day or two late)."""
        rng, shift = self.rng, 0
        roll = rng.random()
        if roll >= 0.9:
            shift = rng.randint(1, 2)
        elif roll >= 0.7:
            shift = -rng.randint(1, 5)
        return _shifted(line["need_by"], shift)

    def changes(self, order: dict[str, Any], dated: bool = False) -> list[dict[str, Any]]:
        """Line answers of an acceptance with changes. One line (drawn) is not accepted as
        ordered, and it is only rejected when the PO has other lines; about half the
        acknowledgments change only within the demo tolerance (`services.simulate.policy`),
        the others nearly always change a line beyond it. Lines accepted alongside carry
        promised dates, some a few days early or late."""
        rng, lines = self.rng, order["lines"]
        within = rng.random() < 0.45
        changed = rng.randrange(len(lines))
        result = []
        for i, ln in enumerate(lines):
            if i == changed:
                entry = self.deviate(ln, within, may_reject=len(lines) > 1, dated=dated)
            elif rng.random() < 0.2:
                entry = self.deviate(ln, within or rng.random() < 0.5, False, dated)
            else:
                shift = rng.randint(-DAYS_EARLY, DAYS_LATE) if rng.random() < 0.5 else 0
                entry = {"line": ln["line"], "decision": "accepted"}
                entry["promised_date"] = _shifted(ln["need_by"], shift)
            result.append(entry)
        return result

    def deviate(
        self, line: dict[str, Any], within: bool, may_reject: bool, dated: bool = False
    ) -> dict[str, Any]:
        """One line not accepted as ordered: changed (quantity, unit price and/or date),
        backordered or (when `may_reject`) rejected; within the demo tolerance or, unless
        `within`, mostly beyond it. A backordered line has a date when `dated` (an answer
        through potrack's portal, whose form asks for it), else mostly."""
        rng, number = self.rng, line["line"]
        if within:
            what = rng.choice(("price", "price", "quantity", "quantity", "date", "backordered"))
        else:
            kinds = ["price", "price", "quantity", "both", "date", "backordered", "backordered"]
            what = rng.choice(kinds + ["rejected", "rejected"] * may_reject)
        if what == "rejected":
            return {"line": number, "decision": "rejected"}
        if what == "backordered":
            entry = {"line": number, "decision": "backordered"}
            if within:
                return entry | {
                    "promised_date": _shifted(line["need_by"], rng.randint(1, DAYS_LATE))
                }
            if rng.random() < 0.2 and not dated:
                return entry  # nobody knows when yet
            return entry | {"promised_date": _shifted(line["need_by"], rng.randint(7, 45))}
        entry = {"line": number, "decision": "changed"}
        if what in ("price", "both"):
            entry |= self.price_change(line, within)
        if what in ("quantity", "both"):
            entry |= self.quantity_change(line, within)
        if len(entry) == 2 or rng.random() < 0.35:  # no feasible change, or a date as well
            late = rng.randint(1, DAYS_LATE) if within else rng.randint(DAYS_LATE + 1, 30)
            shift = -rng.randint(1, DAYS_EARLY) if within and rng.random() < 0.3 else late
            entry["promised_date"] = _shifted(line["need_by"], shift)
        return entry

    def price_change(self, line: dict[str, Any], within: bool) -> dict[str, str]:
        """A new unit price: within the tolerance (at most PRICE_PCT %, rounded toward the
        PO's price), else 1.5-3 % (a surcharge) or 5-15 % (a new price list); mostly up.
        Empty when no change of at most PRICE_PCT % exists in the currency's minor units."""
        rng, price = self.rng, Decimal(line["unit_price"])
        if within:
            pct, rounding = PRICE_PCT * Decimal(rng.randint(25, 100)) / 100, ROUND_DOWN
        else:
            pct = Decimal(rng.choice((rng.randint(15, 30), rng.randint(50, 150)))) / 10
            rounding = ROUND_UP
        step = (price * pct / 100).quantize(self.minor, rounding=rounding)
        if step == 0 or step >= price:
            return {}
        return {"unit_price": str(price + step if rng.random() < 0.75 else price - step)}

    def quantity_change(self, line: dict[str, Any], within: bool) -> dict[str, int]:
        """A new quantity: within the tolerance (at most QUANTITY_PCT %, none for small
        quantities), else short supply (a half or three quarters) or rounded up to full
        packs. Empty when no such change exists."""
        rng, quantity = self.rng, line["quantity"]
        if within:
            step = quantity * rng.randint(50, 100) * int(QUANTITY_PCT) // 10_000
            new = quantity - step if rng.random() < 0.6 else quantity + step
        elif rng.random() < 0.6:
            new = quantity * rng.choice((2, 3)) // 4
        else:
            pack = rng.choice((10, 12, 25, 50))
            new = -(-quantity // pack) * pack
            new = new if new != quantity else quantity + pack
        return {"quantity": new} if 0 < new != quantity else {}

    def cancel(self, at: float) -> None:
        """Cancel at `at`; what was already in flight (half an hour) still arrives."""
        plans = (EventType.APPROVED, EventType.REVISED)
        revision = max(f.data["revision"] for f in self.facts if f.type in plans and f.at <= at)
        self.facts = [f for f in self.facts if f.at <= at + 30 * MINUTE]
        reason = self.rng.choice(CANCEL_REASONS)
        self.add(at, EventType.CANCELLED, self.erp, {"revision": revision, "reason": reason})
