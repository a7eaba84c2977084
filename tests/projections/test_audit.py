"""Audit trail: given accepted facts, when chained, then every link verifies and tampering shows."""

import csv
import hashlib
import io
import json
from pathlib import Path

from projections.audit import (
    CSV_COLUMNS,
    GENESIS,
    canonical,
    chain,
    content,
    link,
    to_csv,
    to_jsonl,
    verify,
)
from projections.runner import Runner
from projections.tables.audit import entries as audit_entries
from projections.views.audit import AuditProjection
from schemas.recorded import Fact
from services.store.events import EventStore
from services.store.views import ViewDB
from tests.factories import PO, acked, approved, delivered, sent, when


def facts() -> list[Fact]:
    return [
        approved(["S1"], time=0).model_copy(
            update={"topic": "po.distribution.v1", "partition": 2, "offset": 41}
        ),
        sent("S1", time=1),
        delivered("S1", time=2).with_anomalies(["delivered before it was sent"]),
        acked(
            "S1",
            time=3,
            decision="accepted_with_changes",
            supplier_reference="SO-Ü1",
            document={
                "format": "x12",
                "sha256": "c0" * 32,
                "reference": "855 000000902",
                "topic": "po.documents.v1",
                "partition": 1,
                "offset": 42,
            },
        ),
    ]


def trail() -> list[dict]:
    return chain(enumerate(facts(), start=10))


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_utf8() -> None:
    assert canonical({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'


def test_the_first_link_hashes_sixty_four_zeros_and_the_entry() -> None:
    entry = {"seq": 1, "type": "po.approved"}
    expected = hashlib.sha256(("0" * 64 + '{"seq":1,"type":"po.approved"}').encode()).hexdigest()

    assert GENESIS == "0" * 64
    assert link(GENESIS, entry) == expected


def test_an_entry_records_the_fact_and_its_ingest_metadata() -> None:
    first, _, third, fourth = trail()

    assert first["seq"] == 1 and first["notification_id"] == 10 and first["po_number"] == PO
    assert (first["type"], first["topic"], first["partition"], first["offset"]) == (
        "po.approved",
        "po.distribution.v1",
        2,
        41,
    )
    assert first["time"] == "2025-03-03T09:00:00Z"
    assert first["recorded_at"] == "2025-04-01T12:00:00Z"
    assert first["prev_hash"] == GENESIS
    assert third["anomalies"] == ["delivered before it was sent"]
    assert fourth["data"]["supplier_reference"] == "SO-Ü1"


def test_an_untouched_chain_verifies() -> None:
    entries = trail()

    assert verify(entries) is None
    assert [e["prev_hash"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]


def test_changed_content_is_reported_at_exactly_that_seq() -> None:
    entries = trail()
    entries[2]["data"] = entries[2]["data"] | {"recipient": "S2"}

    assert verify(entries) == 3


def test_a_changed_hash_is_reported_at_exactly_that_seq() -> None:
    entries = trail()
    entries[1]["hash"] = "f" * 64

    assert verify(entries) == 2


def test_a_rewritten_entry_with_its_own_hash_recomputed_breaks_the_next_link() -> None:
    entries = trail()
    entries[1]["time"] = when(99).isoformat()
    entries[1]["hash"] = link(entries[1]["prev_hash"], content(entries[1]))

    assert verify(entries) == 3


def test_a_removed_entry_is_reported_where_the_gap_is() -> None:
    entries = trail()
    del entries[1]

    assert verify(entries) == 3


def test_the_csv_has_the_header_and_one_row_per_entry() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(trail()))))

    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 4
    assert rows[0]["revision"] == "1" and rows[0]["recipient"] == ""
    assert rows[0]["offset"] == "41"
    assert rows[2]["anomalies"] == "delivered before it was sent"
    assert (rows[3]["recipient"], rows[3]["decision"]) == ("S1", "accepted_with_changes")
    assert rows[3]["document"] == f"x12 855 000000902 sha256:{'c0' * 32} po.documents.v1:1@42"
    assert rows[0]["document"] == ""


def test_json_lines_carry_each_entry_with_its_links() -> None:
    lines = to_jsonl(trail()).splitlines()

    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4]
    assert verify([json.loads(line) for line in lines]) is None


def test_the_projection_chains_each_po_and_rebuilds_identically(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    store, db = EventStore(url), ViewDB(url)
    other = approved(["S9"], po="PO-2002", time=0)
    given = facts()
    store.record([*given[:2], other], {}, "g")
    store.record(given[2:], {}, "g")
    runner = Runner(AuditProjection(), store, db, batch=2)

    def rows() -> list[dict]:
        with db.read() as tx:
            return tx.all("SELECT * FROM audit ORDER BY po_number, seq")

    while runner.step().applied:
        pass
    with db.read() as tx:
        entries = audit_entries(tx, PO)
        assert [e["seq"] for e in entries] == [1, 2, 3, 4]
        assert [e["type"] for e in entries][:2] == ["po.approved", "po.sent"]
        assert len(audit_entries(tx, "PO-2002")) == 1
        assert verify(audit_entries(tx, PO)) is None
        assert tx.all("SELECT id FROM outbox") == []  # nothing goes to Kafka
    before = rows()

    runner.reset()
    while runner.step().applied:
        pass
    assert rows() == before

    with db.transaction() as tx:
        tx.execute(
            "UPDATE audit SET entry = replace(entry, 'S1', 'S7') WHERE po_number = ? AND seq = 2",
            (PO,),
        )
        assert verify(audit_entries(tx, PO)) == 2
    store.close()
    db.close()
