"""Simulated traffic for finance: line answers of every kind, changes within and outside the
demo tolerance (`potrack simulate --write-sla`), prices in each currency's minor units, and
documents that the gateway reads back to the same judgement."""

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from projections.deviations import judge
from projections.fold import Ack, PoState, fold
from projections.forecast import minor_units
from projections.sla import SlaPolicy, parse_sla
from projections.status import render
from schemas.binding import decode
from schemas.events import AcknowledgedData, RevisedData
from schemas.recorded import Fact
from schemas.status import Channel, Decision, EventType, RecipientStatus
from services.cli import app
from services.gateway.partners import Partners
from services.gateway.translate import Incoming, Uncorrelated, translate
from services.settings import Settings
from services.simulate import policy as demo
from services.simulate.cloudevents import cloudevent
from services.simulate.documents.courier import Courier
from services.simulate.lifecycle import Fact as SimFact
from services.simulate.profiles import ACK_SOURCE, FX, GATEWAY, SUPPLIERS
from services.simulate.traffic import SimEvent, encode, generate
from tests.services.simulate.support import START, SentLog, instant
from tests.services.simulate.test_gateway_agrees import assert_lines_agree

HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def sla() -> SlaPolicy:
    return parse_sla(demo.sla_toml(), "demo policy")


@pytest.fixture(scope="module")
def facts() -> dict[str, list[Fact]]:
    """A month of simulated CloudEvents (no bad ones, no re-sends), as facts per PO."""
    found: dict[str, list[Fact]] = defaultdict(list)
    for event in generate(21, 5000, START, bad_fraction=0, duplicate_fraction=0):
        _, value, headers = encode(event)
        fact = Fact.from_event(decode(value, headers), recorded_at=event.time)
        found[fact.subject].append(fact)
    return found


@pytest.fixture(scope="module")
def states(facts: dict[str, list[Fact]]) -> dict[str, PoState]:
    return {po: fold(po, found) for po, found in facts.items()}


def acknowledgments(
    facts: dict[str, list[Fact]], states: dict[str, PoState]
) -> Iterator[tuple[RevisedData, Ack]]:
    """Every simulated acknowledgment with the plan of the revision it answers."""
    for po, found in facts.items():
        for fact in found:
            if fact.type is not EventType.ACKNOWLEDGED:
                continue
            data = fact.payload
            assert isinstance(data, AcknowledgedData)
            plan = states[po].plan(data.revision)
            assert plan is not None
            ack = Ack(order=fact.order, decision=data.decision, lines=list(data.lines))
            yield plan, ack


def test_the_demo_policy_parses_with_tolerances_and_one_lenient_supplier(
    sla: SlaPolicy, tmp_path: Path
) -> None:
    base = sla.tolerance
    assert (base.quantity_pct, base.price_pct, base.price_amount) == (2, 1, None)
    assert (base.days_early, base.days_late) == (7, 3)
    lenient = sla.tolerance_for(demo.LENIENT)
    assert (lenient.quantity_pct, lenient.price_pct, lenient.price_amount) == (5, 3, Decimal("2.5"))
    assert (lenient.days_early, lenient.days_late) == (7, 3)  # key by key over [tolerance]
    assert sla.accepts_within_tolerance(demo.LENIENT)
    assert not sla.accepts_within_tolerance("SUP-1001") and not sla.accept_within_tolerance
    assert sla.acknowledgment_hours == 48 and sla.delivery_window(None, Channel.EDI) == HOUR
    path = tmp_path / "deep" / "sla.toml"
    result = CliRunner().invoke(app, ["simulate", "--write-sla", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == demo.sla_toml()
    assert Settings(sla_file=path).sla_policy().tolerance == base


def test_acknowledgments_answer_lines_in_every_way(
    facts: dict[str, list[Fact]], states: dict[str, PoState]
) -> None:
    kinds: Counter[str] = Counter()
    for plan, ack in acknowledgments(facts, states):
        need_by = {ln.line: ln.need_by for ln in plan.lines}
        for ln in ack.lines:
            kinds[ln.decision.value] += 1
            if ln.decision.value == "changed":
                changed = [k for k in ("quantity", "unit_price") if getattr(ln, k) is not None]
                kinds["changed " + ("+".join(changed) or "date only")] += 1
            if ln.promised_date is None:
                kinds[f"{ln.decision.value} without a date"] += 1
                continue
            ordered = need_by[ln.line]
            assert ordered is not None
            days = (ln.promised_date - ordered).days
            when = "early" if days < 0 else "late" if days else "on time"
            kinds[f"{ln.decision.value} {when}"] += 1
    for kind in (
        "accepted early",
        "accepted on time",
        "accepted late",
        "changed quantity",
        "changed unit_price",
        "changed quantity+unit_price",
        "changed date only",
        "backordered late",
        "backordered without a date",
        "rejected",
    ):
        assert kinds[kind] > 0, (kind, kinds)


def test_changes_within_and_outside_the_demo_tolerance(
    facts: dict[str, list[Fact]], states: dict[str, PoState], sla: SlaPolicy
) -> None:
    judged: Counter[tuple[bool | None, str]] = Counter()
    outside: Counter[str] = Counter()
    for plan, ack in acknowledgments(facts, states):
        if ack.decision is not Decision.ACCEPTED_WITH_CHANGES:
            continue
        found = judge(plan, ack, sla)
        assert found.deviations, "an acceptance with changes changes a line"
        assert any(d.decision != "rejected" for d in found.lines)  # never all rejected
        judged[found.within, found.counted.value] += 1
        outside.update(check for d in found.deviations for check in d.outside)
    assert judged[True, "accepted_with_changes"] > 5 and judged[False, "accepted_with_changes"] > 5
    assert judged[True, "accepted"] > 0  # the lenient supplier's, accepted within tolerance
    assert set(outside) >= {"quantity", "unit_price", "date", "rejected", "no_date"}
    rows = Counter(
        (r.status, r.within_tolerance)
        for state in states.values()
        for r in render(state, sla=sla).recipients
        if r.decision is Decision.ACCEPTED_WITH_CHANGES
    )
    assert rows[RecipientStatus.CHANGES_PROPOSED, True] > 0  # a warning
    assert rows[RecipientStatus.CHANGES_PROPOSED, False] > 0  # critical
    assert rows[RecipientStatus.ACKNOWLEDGED, True] > 0  # accepted within tolerance


def _exponent(amount: Any) -> int:
    exponent = Decimal(str(amount)).as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


def test_prices_keep_each_currency_minor_units(
    facts: dict[str, list[Fact]], states: dict[str, PoState]
) -> None:
    currencies = set()
    for plan, ack in acknowledgments(facts, states):
        units = minor_units(plan.currency)
        currencies.add(plan.currency)
        assert all(_exponent(ln.unit_price) == units for ln in plan.lines)
        assert _exponent(plan.total_amount) == units
        assert all(_exponent(ln.unit_price) == units for ln in ack.lines if ln.unit_price)
    assert {"JPY", "KWD", "EUR", "USD"} <= currencies


def _plans(stream: list[SimEvent]) -> dict[tuple[str, int], RevisedData]:
    plans = {}
    for event in stream:
        value = event.value
        if (
            isinstance(value, dict)
            and event.bad is None
            and value["type"] in ("po.approved", "po.revised")
        ):
            data = RevisedData.model_validate(value["data"])
            plans[value["subject"], data.revision] = data
    return plans


def _ack(event: dict[str, Any]) -> Ack:
    data = AcknowledgedData.model_validate(event["data"])
    order = (instant(event["time"]), event["id"], event["source"])
    return Ack(order=order, decision=data.decision, lines=list(data.lines))


def _shown(plan: RevisedData, ack: Ack, sla: SlaPolicy) -> tuple[Any, ...]:
    found = judge(plan, ack, sla)
    return found.within, found.counted, [d.model_dump(exclude={"sku"}) for d in found.lines]


def test_documents_are_judged_as_the_script_meant(
    documents_stream: list[SimEvent], partners: Partners, sent_log: SentLog, sla: SlaPolicy
) -> None:
    """X12 855/865, EDIFACT ORDRSP and cXML ConfirmationRequest carry the line answers: the
    gateway's translation weighs exactly as the scripted acknowledgment does."""
    plans = _plans(documents_stream)
    decisions: Counter[str] = Counter()
    for event in documents_stream:
        meant = event.scripted
        if event.bad or meant is None or meant["type"] != "po.acknowledged":
            continue
        assert isinstance(event.value, bytes)
        try:
            translation = translate(Incoming(event.value, event.content_type), partners, sent_log)
        except Uncorrelated:
            continue
        [(_, got)] = translation.events
        plan = plans[meant["subject"], meant["data"]["revision"]]
        assert _shown(plan, _ack(got), sla) == _shown(plan, _ack(meant), sla)
        decisions.update(f"{event.content_type} {ln['decision']}" for ln in got["data"]["lines"])
    for content_type in ("application/edi-x12", "application/edifact", "application/xml"):
        assert decisions[f"{content_type} accepted"] > 0, decisions
    assert {d.split()[1] for d in decisions} == {"accepted", "changed", "backordered", "rejected"}


EVERY_ANSWER: list[tuple[str, dict[str, int | str], int | None]] = [
    # (decision, changed values (a quantity; a unit price factor), promised days late or None)
    ("accepted", {}, -4),
    ("changed", {"quantity": 45, "unit_price": "1.02"}, 9),
    ("backordered", {}, 21),
    ("rejected", {}, None),
    ("backordered", {}, None),
    ("changed", {"unit_price": "0.995"}, None),
    ("changed", {}, 2),
]


@pytest.mark.parametrize(
    "supplier_id",
    ["SUP-1001", "SUP-1012", "SUP-1003", "SUP-1004", "SUP-1026"],
    ids=["x12-usd", "x12-jpy", "edifact-eur", "cxml-usd", "cxml-kwd"],
)
def test_each_format_carries_every_line_answer(
    supplier_id: str, partners: Partners, sla: SlaPolicy
) -> None:
    """An 855, ORDRSP or ConfirmationRequest stating every kind of line answer (in USD, JPY,
    EUR and KWD prices) is read back by the gateway as scripted, and judged the same."""
    supplier = next(s for s in SUPPLIERS if s.id == supplier_id)
    po, recipient, minor = "PO-2026-900001", f"{supplier_id}:orders", minor_units(supplier.currency)
    step = Decimal(1).scaleb(-(minor or 0))
    lines: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for number, (decision, changes, days) in enumerate(EVERY_ANSWER, start=1):
        price = (Decimal("12.3456") * Decimal(str(FX[supplier.currency]))).quantize(step)
        need_by = date(2026, 4, 1) + timedelta(days=number)
        lines.append(
            {"line": number, "sku": f"SKU-{number}", "quantity": 40, "unit_price": str(price)}
            | {"need_by": str(need_by)}
        )
        answer: dict[str, Any] = {"line": number, "decision": decision}
        if "quantity" in changes:
            answer["quantity"] = changes["quantity"]
        if "unit_price" in changes:
            new = (price * Decimal(changes["unit_price"])).quantize(step)
            answer["unit_price"] = str(new if new != price else price + step)
        if days is not None:
            answer["promised_date"] = str(need_by + timedelta(days=days))
        answers.append(answer)
    total = sum((Decimal(ln["unit_price"]) * ln["quantity"] for ln in lines), Decimal(0))
    channel = supplier.channel
    plan = {"revision": 1, "supplier": {"id": supplier.id, "name": supplier.name}}
    plan |= {"currency": supplier.currency, "total_amount": str(total), "lines": lines}
    plan["recipients"] = [
        {"id": recipient, "kind": "supplier", "channel": channel.value}
        | {"address": supplier.address(channel)}
    ]
    about = {"revision": 1, "recipient": recipient}
    sent = about | {"channel": channel.value, "message_id": "<sent@buyer>"}
    acknowledged = about | {"decision": "accepted_with_changes", "supplier_reference": "SO-1"}
    facts = [
        SimFact(0.0, EventType.APPROVED, "urn:erp:sap-prod", plan),
        SimFact(60.0, EventType.SENT, GATEWAY[channel], sent),
        SimFact(
            7200.0,
            EventType.ACKNOWLEDGED,
            ACK_SOURCE[channel],
            acknowledged | {"lines": answers},
            supplier.utc_offset,
        ),
    ]
    times = [START + timedelta(seconds=f.at) for f in facts]
    carried = Courier(5).carry(po, supplier, facts, times)
    rng = random.Random(5)
    events = [cloudevent(rng, c.fact, po, c.when) for c in carried]
    document = carried[2]
    assert document.body is not None and document.content_type is not None
    translation = translate(
        Incoming(document.body, document.content_type), partners, SentLog(events)
    )
    [(_, got)] = translation.events
    assert got["data"]["decision"] == "accepted_with_changes"
    assert_lines_agree(got["data"]["lines"], answers)
    revised = RevisedData.model_validate(plan)
    assert _shown(revised, _ack(got), sla) == _shown(revised, _ack(events[2]), sla)
    within, _, compared = _shown(revised, _ack(got), sla)
    assert within is False and {d["decision"] for d in compared} == {
        "accepted",
        "changed",
        "backordered",
        "rejected",
    }
