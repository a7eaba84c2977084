"""The six end-of-run checks of `make chaos`, as pure functions of what was read back.

Each takes plain data (collected by `tests.chaos.collect` from the store, the views and
the topics) and returns a `Check`: its name, how many items it looked at, and the misses
(one line each, the first few kept as examples). A check with any miss fails the run.
No I/O here, so `tests/chaos/test_checks.py` feeds each a consistent and an inconsistent
case and sees it fail.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

EXAMPLES = 5  # misses shown per check; the count is always exact

Position = tuple[str, int, int]  # topic, partition, offset
EventKey = tuple[str, str]  # CloudEvents (source, id)


@dataclass
class Check:
    """The outcome of one check: `looked_at` items, `misses` (all of them, one line each)
    and the figures it found (duplicates, ...), for the report's table."""

    name: str
    looked_at: int = 0
    misses: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when the check found no miss."""
        return not self.misses

    def miss(self, line: str) -> None:
        """Note one miss (a line of text)."""
        self.misses.append(line)


def stored_once(
    sent: Mapping[str, set[EventKey]],
    stored: Mapping[str, Sequence[EventKey]],
    versions: Mapping[str, int],
) -> Check:
    """a. Every accepted event stored exactly once.

    `sent`: per PO number, the distinct (source, id) of the valid events on the inbound
    topics; `stored`: per PO, the (source, id) of its stored facts in stream order;
    `versions`: per PO, the stream's highest version. A PO passes when its stored facts
    have no repeat, are exactly the sent ones, and its version equals their number."""
    check = Check("a. accepted events stored exactly once")
    duplicates = 0
    for po in sorted(set(sent) | set(stored) | set(versions)):
        want = sent.get(po, set())
        have = list(stored.get(po, ()))
        check.looked_at += len(want)
        repeated = sum(n - 1 for n in Counter(have).values() if n > 1)
        duplicates += repeated
        if repeated:
            check.miss(f"{po}: {repeated} event(s) stored more than once")
        missing, extra = want - set(have), set(have) - want
        if missing:
            check.miss(f"{po}: {len(missing)} accepted event(s) not stored, e.g. {min(missing)}")
        if extra:
            check.miss(f"{po}: {len(extra)} stored event(s) never sent, e.g. {min(extra)}")
        if versions.get(po, 0) != len(want):
            check.miss(f"{po}: version {versions.get(po, 0)}, {len(want)} distinct events sent")
    check.figures = {"events": check.looked_at, "duplicates": duplicates}
    return check


Rows = Mapping[str, Sequence[Mapping[str, Any]]]  # table name -> rows


def _canonical(row: Mapping[str, Any]) -> str:
    return json.dumps(
        {k: str(v) if v is not None else None for k, v in row.items()}, sort_keys=True
    )


def views_equal_rebuild(live: Rows, rebuilt: Rows) -> Check:
    """b. Every view equal to a fresh rebuild: per table, the multiset of rows (all
    columns, compared as text) of the live views database against that of a rebuild from
    the same store. A table present on one side only is a miss."""
    check = Check("b. views equal a fresh rebuild")
    mismatched = 0
    for table in sorted(set(live) | set(rebuilt)):
        if table not in live or table not in rebuilt:
            check.miss(f"{table}: only in the {'live' if table in live else 'rebuilt'} views")
            continue
        ours = Counter(_canonical(r) for r in live[table])
        theirs = Counter(_canonical(r) for r in rebuilt[table])
        check.looked_at += sum(ours.values())
        only_live, only_rebuilt = ours - theirs, theirs - ours
        if only_live or only_rebuilt:
            mismatched += sum(only_live.values()) + sum(only_rebuilt.values())
            example = min(only_live or only_rebuilt)[:300]
            check.miss(
                f"{table}: {sum(only_live.values())} row(s) only live,"
                f" {sum(only_rebuilt.values())} only rebuilt, e.g. {example}"
            )
    check.figures = {"rows": check.looked_at, "mismatched rows": mismatched}
    return check


@dataclass(frozen=True)
class OutRecord:
    """One record read back from an outbound topic: where it was, its key, its
    CloudEvents id and type, and its data."""

    topic: str
    partition: int
    offset: int
    key: str
    id: str
    type: str
    data: dict[str, Any]


def _latest(records: Iterable[OutRecord], key_of: Any, rank: Any) -> dict[str, OutRecord]:
    found: dict[str, OutRecord] = {}
    for record in records:
        key = key_of(record)
        if key not in found or rank(record) >= rank(found[key]):
            found[key] = record
    return found


def latest_equals_view(
    status: Sequence[OutRecord],
    commitments: Sequence[OutRecord],
    alerts: Sequence[OutRecord],
    views: Mapping[str, Mapping[str, dict[str, Any]]],
) -> Check:
    """c. On each outbound topic the latest record per key equals the view.

    po.status.v1: per PO the record with the highest `data.version` (an equal version: the
    later one, docs/contract.md §5) against `views["status"][po]`; po.commitments.v1: per
    PO the last record against `views["commitments"][po]`; po.alerts.v1: per alert id the
    last record (one PO's records share a partition, so offsets order them) against
    `views["alerts"][alert_id]`. A view without a record, or a record without a view, is
    a miss too."""
    check = Check("c. latest outbound record per key equals the view")
    by_offset = lambda r: (r.partition, r.offset)  # noqa: E731  one key: one partition
    latest = {
        "status": _latest(status, lambda r: r.key, lambda r: (r.data.get("version", 0), r.offset)),
        "commitments": _latest(commitments, lambda r: r.key, by_offset),
        "alerts": _latest(alerts, lambda r: str(r.data.get("alert_id")), by_offset),
    }
    mismatched = 0
    for name, records in latest.items():
        view = views.get(name, {})
        check.looked_at += len(view)
        wrong = [k for k in sorted(set(view) & set(records)) if records[k].data != view[k]]
        unpublished = sorted(set(view) - set(records))
        unknown = sorted(set(records) - set(view))
        mismatched += len(wrong) + len(unpublished) + len(unknown)
        if wrong:
            k = wrong[0]
            differ = sorted(
                f
                for f in set(view[k]) | set(records[k].data)
                if view[k].get(f) != records[k].data.get(f)
            )
            check.miss(
                f"{name}: {len(wrong)} key(s) whose latest record differs from the view,"
                f" e.g. {k} (fields {', '.join(differ[:6])}; record at"
                f" {records[k].partition}/{records[k].offset})"
            )
        if unpublished:
            check.miss(f"{name}: {len(unpublished)} view(s) never published, e.g. {unpublished[0]}")
        if unknown:
            check.miss(
                f"{name}: {len(unknown)} key(s) published, not in the view, e.g. {unknown[0]}"
            )
    check.figures = {"keys": check.looked_at, "mismatches": mismatched}
    return check


def dead_letters_once(
    dead: Sequence[Position], bad_inbound: set[Position], injected: set[Position]
) -> Check:
    """d. Each dead letter present once, and every bad record sent has one.

    `dead`: the source position (potrack-source-topic, -partition, -offset) of every
    record on po.deadletter.v1; `bad_inbound`: the positions on the inbound CloudEvents
    topics whose record potrack's decoder refuses; `injected`: the positions of the bad
    records the chaos run sent itself (on any topic). A position dead-lettered twice, a
    bad record with none, or a dead-lettered inbound record that decodes, is a miss."""
    check = Check("d. each dead letter present once")
    counts = Counter(dead)
    repeated = {p: n for p, n in counts.items() if n > 1}
    check.looked_at = len(counts)
    if repeated:
        first = min(repeated)
        check.miss(
            f"{len(repeated)} source position(s) dead-lettered more than once"
            f" ({sum(repeated.values()) - len(repeated)} extra records), e.g."
            f" {first[0]}/{first[1]}/{first[2]} {repeated[first]} times"
        )
    missing = sorted((bad_inbound | injected) - set(counts))
    if missing:
        check.miss(f"{len(missing)} bad record(s) without a dead letter, e.g. {missing[0]}")
    inbound_topics = {t for t, _, _ in bad_inbound}
    wrongly = sorted(
        p for p in counts if p[0] in inbound_topics and p not in bad_inbound | injected
    )
    if wrongly:
        check.miss(f"{len(wrongly)} dead letter(s) of records that decode, e.g. {wrongly[0]}")
    check.figures = {
        "dead letters": len(counts),
        "duplicates": sum(repeated.values()) - len(repeated),
    }
    return check


def alert_transitions_once(alerts: Sequence[OutRecord], ledger: int) -> Check:
    """e. Each alert transition published once on po.alerts.v1.

    A record's CloudEvents id is a hash of its content (the outbox), so a transition
    published twice shows as one id on two records. `ledger`: the rows of the alerts
    projection's publication ledger (alert_published), one per transition it decided to
    publish; the distinct records must be exactly as many."""
    check = Check("e. each alert transition published once")
    ids = Counter(r.id for r in alerts)
    repeated = {i: n for i, n in ids.items() if n > 1}
    check.looked_at = len(ids)
    if repeated:
        first = min(repeated)
        where = [f"{r.partition}/{r.offset}" for r in alerts if r.id == first]
        check.miss(
            f"{len(repeated)} transition(s) published more than once"
            f" ({sum(repeated.values()) - len(repeated)} extra records), e.g. id {first}"
            f" at {', '.join(where)}"
        )
    if len(ids) != ledger:
        check.miss(f"{len(ids)} distinct transitions on the topic, {ledger} in the ledger")
    check.figures = {
        "transitions": len(ids),
        "duplicates": sum(repeated.values()) - len(repeated),
    }
    return check


Notice = tuple[str, str, int]  # alert id, transition (raised | resolved), escalation level


def notifications_delivered(
    expected: Mapping[Notice, int], delivered: Sequence[Notice], notifier_kills: int
) -> Check:
    """f. Each notification delivered at least once, and at most once more per kill of
    the notifier.

    `expected`: per (alert id, transition, level) how many distinct notifications the
    rules route to the webhook (a reopened alert's episodes count apart); `delivered`: one
    entry per request the webhook took. Fewer deliveries than expected for a key, or one
    nobody expected, is a miss; so are more repeats in all than `notifier_kills`."""
    check = Check("f. notifications delivered at least once, at most once more per kill")
    got = Counter(delivered)
    check.looked_at = sum(expected.values())
    short = sorted(k for k, n in expected.items() if got.get(k, 0) < n)
    unexpected = sorted(set(got) - set(expected))
    extra = sum(max(0, n - expected.get(k, 0)) for k, n in got.items() if k in expected)
    if short:
        check.miss(f"{len(short)} notification(s) never delivered, e.g. {short[0]}")
    if unexpected:
        check.miss(f"{len(unexpected)} delivery(ies) no rule routed, e.g. {unexpected[0]}")
    if extra > notifier_kills:
        check.miss(f"{extra} repeated deliveries, more than the {notifier_kills} notifier kills")
    check.figures = {"notifications": check.looked_at, "duplicates": extra}
    return check


def group(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
    """Pure helper: [(key, value)] -> {key: [values in order]}."""
    found: dict[str, list[Any]] = defaultdict(list)
    for key, value in pairs:
        found[key].append(value)
    return dict(found)
