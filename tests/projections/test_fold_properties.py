"""Order independence and idempotency of the PO aggregate (CONTRACT §1 and §3), by property.

A history is a realistic random set of facts of one PO: an approval (usually), maybe
change orders and re-announcements, sends, deliveries, failures, receipts and
acknowledgments per recipient and revision (also for recipients outside the plan and
for a revision never announced), maybe a cancellation. Times fall in a narrow window so
that equal times, and so the tie-breaks, happen often.

Voiding (contract v1.1 §3) gets its own, denser histories (`transport_histories`): sends,
deliveries, receipts and permanent and transient failures of a few recipients within a
few minutes, so that failures fall before, between, after and exactly at the transport
evidence; their views are checked against the contract's wording, evaluated on the set.
"""

import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.alerts import expected_alerts
from projections.anomalies import anomalies, anomalies_with, change
from projections.fold import PoState, Track, evolve
from projections.overdue import is_overdue, overdue_at
from projections.sla import SlaPolicy
from projections.status import recipient_status, render
from schemas.recorded import Fact
from schemas.status import DECISION_STATUS, EventType, RecipientStatus
from schemas.views import StatusView
from services.store.aggregate import PurchaseOrder
from services.store.events import EventStore
from tests.factories import (
    PO,
    T0,
    acked,
    approved,
    cancelled,
    delivered,
    failed,
    received,
    revised,
    sent,
    view_of,
)

SUPPLIERS = ("S1", "S2", "S3")
INTERNAL = ("I1", "I2")
OUTSIDER = "X9"  # never in any plan
SOURCES = ("urn:erp", "urn:gateway:email", "urn:gateway:edi", "urn:portal")
OFFSETS = [timezone(timedelta(hours=h)) for h in (-5, 0, 1, 5.5)]

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# One draw per fact for what happened, one for when and by whom: cheap to generate.
EVIDENCE: dict[str, Callable[..., Fact]] = {
    "sent": sent,
    "delivered": delivered,
    "received": received,
    "failed permanently": lambda who, **kw: failed(who, permanent=True, **kw),
    "failed transiently": lambda who, **kw: failed(who, permanent=False, **kw),
    "sent again": sent,  # retries: transport evidence on both sides of a failure
    "delivered again": delivered,
    "accepted": lambda who, **kw: acked(who, decision="accepted", **kw),
    "accepted again": lambda who, **kw: acked(who, decision="accepted", **kw),
    "proposed changes": lambda who, **kw: acked(who, decision="accepted_with_changes", **kw),
    "rejected": lambda who, **kw: acked(who, decision="rejected", **kw),
}
MINUTES = 240  # a narrow window: equal times happen
KINDS = st.lists(st.sampled_from(sorted(EVIDENCE)), max_size=4)
WHEN_AND_WHO = st.integers(0, MINUTES * len(SOURCES) - 1)
SUPPLIER_SETS = st.lists(st.sampled_from(SUPPLIERS), unique=True, max_size=3)
INTERNAL_SETS = st.lists(st.sampled_from(INTERNAL), unique=True, max_size=2)
OFFSET = st.sampled_from(OFFSETS)
ONE_IN_FOUR = st.integers(0, 3)
ONE_IN_TEN = st.integers(0, 9)


@st.composite
def histories(draw: Callable[..., Any], *, offsets: bool = False) -> list[Fact]:
    """Distinct facts of one PO, in a plausible (canonical) order."""
    ids = itertools.count(1)

    def envelope() -> dict[str, Any]:
        minute, source = divmod(draw(WHEN_AND_WHO), len(SOURCES))
        instant = T0 + timedelta(minutes=minute)
        if offsets:
            instant = instant.astimezone(draw(OFFSET))
        return {"id": f"e{next(ids)}", "source": SOURCES[source], "time": instant}

    facts: list[Fact] = []
    revisions = draw(st.integers(1, 3))
    planned: dict[int, list[str]] = {}
    for revision in range(1, revisions + 1):
        for _ in range(draw(st.integers(1, 2))):  # a second announcement re-plans
            suppliers = draw(SUPPLIER_SETS)
            internal = draw(INTERNAL_SETS)
            if not suppliers and not internal:
                suppliers = ["S1"]
            plan = {"ack_required": draw(st.booleans()), "channel": "email"}
            if revision == 1:
                if draw(ONE_IN_TEN) == 0:
                    continue  # the approval never came: the PO stays unknown
                facts.append(approved(suppliers, internal, **plan, **envelope()))
            else:
                facts.append(revised(revision, suppliers, internal, **plan, **envelope()))
            planned[revision] = sorted({*planned.get(revision, ()), *suppliers, *internal})
    # events name announced revisions and, sometimes, the one after (never announced)
    for revision in range(1, revisions + 2):
        names = planned.get(revision, ["S1"])
        if draw(ONE_IN_FOUR) == 0:
            names = [*names, OUTSIDER]
        for who in names:
            for kind in draw(KINDS):
                facts.append(EVIDENCE[kind](who, revision=revision, **envelope()))
    if draw(ONE_IN_FOUR) == 0:
        facts.append(cancelled(**{k: v for k, v in envelope().items() if k != "source"}))
    if not facts:
        facts.append(approved(**envelope()))
    return facts


def arrivals(facts: list[Fact]) -> st.SearchStrategy[list[Fact]]:
    """Any order of the facts, with some of them (maybe none) delivered again."""
    redelivered = st.lists(st.sampled_from(facts), max_size=8).map(
        lambda again: [
            f.model_copy(update={"recorded_at": datetime(2030, 1, 1, tzinfo=UTC), "offset": n})
            for n, f in enumerate(again)
        ]
    )
    return redelivered.flatmap(lambda again: st.permutations([*facts, *again]))


def aggregate(arrival: list[Fact]) -> tuple[PurchaseOrder, list[bool]]:
    po = PurchaseOrder.start(arrival[0])
    return po, [True, *(po.record(f) for f in arrival[1:])]


def wire(view: StatusView) -> dict[str, Any]:
    """The view as it is published: JSON, where the offset of a time shows."""
    return view.model_dump(mode="json")


@settings(PROPERTY, max_examples=200)
@given(data=st.data())
def test_any_arrival_order_with_duplicates_gives_the_same_view_and_version(
    data: st.DataObject,
) -> None:
    facts = data.draw(histories())
    canonical, _ = aggregate(facts)
    expected = wire(render(canonical.state))

    po, new = aggregate(data.draw(arrivals(facts)))

    assert wire(render(po.state)) == expected
    assert wire(view_of(PO, facts)) == expected
    # the version counts distinct facts: one domain event each, duplicates refused
    assert po.version == len(facts) == render(po.state).version
    assert sum(new) == len(facts) == len(po.collect_events())
    # and recording everything again, in any order, changes nothing
    assert not any(po.record(f) for f in data.draw(st.permutations(facts)))
    assert (wire(render(po.state)), po.version) == (expected, len(facts))


@PROPERTY
@given(data=st.data())
def test_a_view_as_of_an_instant_is_the_view_of_the_history_until_then(
    data: st.DataObject,
) -> None:
    facts = data.draw(histories())
    as_of = T0 + timedelta(minutes=data.draw(st.integers(-1, 241)))
    until = [f for f in facts if f.time <= as_of]

    v = view_of(PO, data.draw(st.permutations(facts)), as_of=as_of)

    assert v.version == len(until)
    if until:
        state = aggregate(until)[0].state
        assert wire(v) == wire(render(state, overdue=overdue_at(state, SlaPolicy(), as_of)))


@PROPERTY
@given(data=st.data())
def test_overdue_live_from_the_alerts_and_as_of_from_the_deadlines_agree(
    data: st.DataObject,
) -> None:
    # docs/contract.md §6: live, an open overdue alert; as of T, a deadline due by T that
    # was not met by then. On the same facts, both say the same at any clock.
    facts = data.draw(histories())
    sla = SlaPolicy(acknowledgment_hours=1, delivery_minutes={"email": 20})
    clock = T0 + timedelta(minutes=data.draw(st.integers(-1, 300)))
    state = aggregate(facts)[0].state

    live = is_overdue(expected_alerts(state, sla, clock).values())

    assert live == overdue_at(state, sla, clock)


@PROPERTY
@given(data=st.data())
def test_the_status_does_not_depend_on_the_offsets_times_are_written_with(
    data: st.DataObject,
) -> None:
    facts = data.draw(histories(offsets=True))
    canonical, _ = aggregate(facts)

    shuffled, _ = aggregate(data.draw(arrivals(facts)))

    # Equal as values: every time compares by instant, whatever its offset.
    assert render(shuffled.state) == render(canonical.state)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_aggregate_read_back_from_the_store_has_the_same_view(data: st.DataObject) -> None:
    facts = data.draw(histories())
    arrival = data.draw(arrivals(facts))
    store = EventStore("sqlite:///:memory:")
    try:
        half = len(arrival) // 2
        store.record(arrival[:half], {}, "g")
        recorded = store.record(arrival[half:], {}, "g")
        po = store.get(PO)

        assert po is not None
        assert wire(render(po.state)) == wire(view_of(PO, facts))
        assert len(store.facts(PO)) == po.version == len(facts)
        assert recorded.new + recorded.duplicates == len(arrival) - half
    finally:
        store.close()


def test_equal_instants_written_with_different_offsets_render_the_same_in_any_order() -> None:
    # BUG projections/status.py `_earliest` and `evolve` (max of last_time) keep whichever
    # of two equal instants came first, with its own UTC offset, so the published JSON
    # (delivered_at, updated_at, ...) depends on arrival order for the same set of facts.
    plan = approved(time=0)
    in_paris = delivered("S1", time="2025-03-03T10:30:00+01:00", id="mdn", source="urn:as2")
    in_utc = delivered("S1", time="2025-03-03T09:30:00Z", id="dsn", source="urn:smtp")

    one, _ = aggregate([plan, in_paris, in_utc])
    other, _ = aggregate([plan, in_utc, in_paris])

    assert wire(render(one.state)) == wire(render(other.state))


NAMED = re.compile(
    r"^(?P<withdrawn>no longer an anomaly: )?(?P<note>.+): "
    r"(?P<type>\S+) (?P<id>\S+) from (?P<source>\S+)$"
)


def net_notes(recorded: list[Fact]) -> set[tuple[str, str, str]]:
    """(source, id, note) of every anomaly the recorded notes leave standing, read in order."""
    standing: set[tuple[str, str, str]] = set()
    for fact in recorded:
        for note in fact.anomalies:
            named = NAMED.match(note)
            if named is None:
                standing.add((fact.source, fact.id, note))
            elif named["withdrawn"]:
                standing.discard((named["source"], named["id"], named["note"]))
            else:
                standing.add((named["source"], named["id"], named["note"]))
    return standing


@PROPERTY
@given(data=st.data())
def test_any_arrival_order_gives_the_same_anomalies_and_the_recorded_notes_add_up_to_them(
    data: st.DataObject,
) -> None:
    # docs/contract.md §4 (v1.1): anomalies are judged on event time over the set of events.
    facts = data.draw(histories())
    expected = anomalies(aggregate(facts)[0].state)

    po, _ = aggregate(data.draw(arrivals(facts)))

    assert anomalies(po.state) == expected
    # Each anomaly was noted with the fact that brought it about, on itself or naming it,
    # and withdrawn by the one that ended it: the audit trail adds up to the same set.
    recorded = [event.fact for event in po.collect_events()]  # type: ignore[attr-defined]
    assert net_notes(recorded) == {(a.source, a.id, a.note) for a in expected}


@PROPERTY
@given(data=st.data())
def test_what_a_fact_brings_about_is_the_difference_of_the_anomalies_with_and_without_it(
    data: st.DataObject,
) -> None:
    # change() takes a shortcut for recipient events; it must agree with the definition.
    state = PoState(po_number=PO, seen=[])
    for fact in data.draw(st.permutations(data.draw(histories()))):
        before, after = anomalies(state), anomalies_with(state, fact)

        assert change(state, fact) == (
            [a for a in after if a not in set(before)],
            [a for a in before if a not in set(after)],
        )
        evolve(state, fact)


# --- voiding by a permanent failure (docs/contract.md §3, v1.1) ----------------------------

TRANSPORT: dict[str, Callable[..., Fact]] = {
    "sent": sent,
    "delivered": delivered,
    "received": received,
    "failed permanently": lambda who, **kw: failed(who, permanent=True, **kw),
    "failed transiently": lambda who, **kw: failed(who, permanent=False, **kw),
    "accepted": lambda who, **kw: acked(who, decision="accepted", **kw),
}
# Mostly transport evidence and failures; receipts and acknowledgments now and then.
TRANSPORT_KINDS = st.sampled_from(
    ["sent"] * 4
    + ["delivered"] * 3
    + ["failed permanently"] * 3
    + ["failed transiently"] * 2
    + ["received", "accepted"]
)


@st.composite
def transport_histories(draw: Callable[..., Any]) -> list[Fact]:
    """An approved PO (maybe with a change order) and up to 8 facts per recipient and
    revision among sends, deliveries, failures (permanent and transient), receipts and
    acknowledgments, at whole minutes within 8: equal times are common."""
    ids = itertools.count(1)

    def envelope() -> dict[str, Any]:
        return {
            "id": f"t{next(ids)}",
            "source": draw(st.sampled_from(SOURCES)),
            "time": T0 + timedelta(minutes=draw(st.integers(0, 8))),
        }

    facts = [approved(["S1", "S2"], ["I1"], id="approval", time=T0)]
    revisions = draw(st.integers(1, 2))
    if revisions == 2:
        facts.append(revised(2, ["S1"], ["I1"], id="revision-2", time=T0))
    for revision in range(1, revisions + 1):
        for who in ("S1", "S2", "I1"):
            for kind in draw(st.lists(TRANSPORT_KINDS, max_size=8)):
                facts.append(TRANSPORT[kind](who, revision=revision, **envelope()))
    return facts


def contract_says(facts: list[Fact], revision: int, who: str) -> dict[str, Any]:
    """docs/contract.md §3 (v1.1) word for word, on the SET of facts of one recipient and
    revision: the status, and the sent_at / delivered_at of the evidence not voided. The
    one choice the text leaves: transport evidence at the failure's very time is void."""
    mine = [
        f
        for f in facts
        if getattr(f.payload, "revision", None) == revision
        and getattr(f.payload, "recipient", None) == who
    ]

    def times(type_: EventType) -> list[datetime]:
        return [f.time for f in mine if f.type is type_]

    permanent = [
        f.time for f in mine if f.type is EventType.DELIVERY_FAILED and f.payload.permanent
    ]
    latest_failure = max(permanent, default=None)

    def not_voided(type_: EventType) -> list[datetime]:
        return [t for t in times(type_) if latest_failure is None or t > latest_failure]

    sent_ok, delivered_ok = not_voided(EventType.SENT), not_voided(EventType.DELIVERED)
    acks = sorted((f for f in mine if f.type is EventType.ACKNOWLEDGED), key=lambda f: f.order)
    received_any = bool(times(EventType.RECEIVED))
    # "failed: a permanent delivery failure of that revision, with no po.received or
    # po.acknowledged of the same revision and recipient, and no po.sent or po.delivered
    # of them later than the latest permanent failure."
    failed_ = (
        latest_failure is not None
        and not received_any
        and not acks
        and not any(
            t > latest_failure for t in [*times(EventType.SENT), *times(EventType.DELIVERED)]
        )
    )
    if acks:
        status = DECISION_STATUS[acks[-1].payload.decision]
    elif received_any:
        status = RecipientStatus.RECEIVED
    elif delivered_ok:
        status = RecipientStatus.DELIVERED
    elif failed_:
        status = RecipientStatus.FAILED
    elif sent_ok:
        status = RecipientStatus.SENT
    else:
        status = RecipientStatus.PENDING
    return {
        "status": status,
        "failed": failed_,
        "sent_at": min(sent_ok, default=None),
        "delivered_at": min(delivered_ok, default=None),
    }


def folded_says(track: Track | None) -> dict[str, Any]:
    return {
        "status": recipient_status(track),
        "failed": track is not None and track.failed,
        "sent_at": track.sent_at if track else None,
        "delivered_at": track.delivered_at if track else None,
    }


@settings(PROPERTY, max_examples=300)
@given(data=st.data())
def test_voiding_any_arrival_order_with_duplicates_gives_what_the_contract_says(
    data: st.DataObject,
) -> None:
    facts = data.draw(transport_histories())
    canonical, _ = aggregate(facts)
    expected = wire(render(canonical.state))

    po, _ = aggregate(data.draw(arrivals(facts)))

    # order independence: the same view and the same folded state, whatever the arrival
    # (but when its latest fact was recorded, which is what arrival order decides)
    assert wire(render(po.state)) == expected
    arrival = {"last_recorded_at"}
    assert po.state.model_dump(mode="json", exclude=arrival) == canonical.state.model_dump(
        mode="json", exclude=arrival
    )
    # the state says what the contract says, for every recipient and revision
    for revision in (1, 2):
        for who in ("S1", "S2", "I1"):
            assert folded_says(po.state.track(revision, who)) == contract_says(
                facts, revision, who
            ), (revision, who)
    # idempotency: everything recorded again, in any order, changes nothing
    assert not any(po.record(f) for f in data.draw(st.permutations(facts)))
    assert wire(render(po.state)) == expected


@PROPERTY
@given(data=st.data())
def test_every_history_says_what_the_contract_says_of_every_recipient(
    data: st.DataObject,
) -> None:
    facts = data.draw(histories())
    state = aggregate(data.draw(st.permutations(facts)))[0].state

    for key, track in state.tracks.items():
        revision, who = key.split("/", 1)
        assert folded_says(track) == contract_says(facts, int(revision), who), key


@PROPERTY
@given(data=st.data())
def test_voiding_live_overdue_and_as_of_overdue_agree(data: st.DataObject) -> None:
    # A voided po.delivered meets no delivery deadline, live or as of an instant.
    facts = data.draw(transport_histories())
    sla = SlaPolicy(acknowledgment_hours=1, delivery_minutes={"email": 4})
    clock = T0 + timedelta(minutes=data.draw(st.integers(0, 20)))
    state = aggregate(data.draw(st.permutations(facts)))[0].state

    assert is_overdue(expected_alerts(state, sla, clock).values()) == overdue_at(state, sla, clock)
