"""Audit trail rules: one entry per accepted fact, hash-chained per PO (pure; no I/O, no clock)."""

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from schemas.recorded import Fact

GENESIS = "0" * 64
# Fields of a stored row that are the chain, not the content it protects.
LINK_FIELDS = ("prev_hash", "hash")
CSV_COLUMNS = (
    "seq",
    "time",
    "recorded_at",
    "type",
    "source",
    "id",
    "revision",
    "recipient",
    "decision",
    "anomalies",
    "topic",
    "partition",
    "offset",
    "prev_hash",
    "hash",
    "document",  # added in v1.1: the raw B2B document an event was translated from (§2b)
)


def canonical(entry: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, no spaces, non-ASCII kept as is (hashed as UTF-8)."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(previous_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 hex of the previous link followed by the entry's canonical JSON."""
    return hashlib.sha256((previous_hash + canonical(entry)).encode("utf-8")).hexdigest()


def entry_of(seq: int, notification_id: int, fact: Fact) -> dict[str, Any]:
    """The audit entry of one accepted fact, JSON-ready (times in RFC 3339)."""
    stored = fact.model_dump(mode="json")
    return {
        "seq": seq,
        "notification_id": notification_id,
        "po_number": fact.subject,
        "type": stored["type"],
        "source": fact.source,
        "id": fact.id,
        "time": stored["time"],
        "recorded_at": stored["recorded_at"],
        "topic": fact.topic,
        "partition": fact.partition,
        "offset": fact.offset,
        "anomalies": list(fact.anomalies),
        "data": stored["data"],
    }


def chain(
    facts: Iterable[tuple[int, Fact]], previous: str = GENESIS, seq: int = 0
) -> list[dict[str, Any]]:
    """Entries with their links for (notification_id, fact) pairs of one PO, continuing
    the chain whose last entry has `seq` and hash `previous`."""
    linked = []
    for notification_id, fact in facts:
        seq += 1
        entry = entry_of(seq, notification_id, fact)
        digest = link(previous, entry)
        linked.append(entry | {"prev_hash": previous, "hash": digest})
        previous = digest
    return linked


def content(row: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed part of a stored entry (everything but its chain links)."""
    return {k: v for k, v in row.items() if k not in LINK_FIELDS}


def verify(entries: Iterable[Mapping[str, Any]]) -> int | None:
    """The seq of the first broken link, or None when the whole chain holds.

    Every hash is recomputed from the entry content. An entry is broken when its seq is
    not the next one, its prev_hash is not the recomputed hash before it, or its hash
    does not match its content. A change that rewrites an entry AND its own hash is
    reported at the next entry, whose prev_hash no longer matches; a truncated tail
    needs an outside anchor (the PO's event count) to be noticed.
    """
    previous = GENESIS
    for expected_seq, row in enumerate(entries, start=1):
        seq = row.get("seq")
        broken_at = seq if isinstance(seq, int) else expected_seq
        if seq != expected_seq or row.get("prev_hash") != previous:
            return broken_at
        recomputed = link(previous, content(row))
        if row.get("hash") != recomputed:
            return broken_at
        previous = recomputed
    return None


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def _document(data: Mapping[str, Any]) -> str | None:
    """``x12 997 000000905 sha256:<hex> po.documents.v1:1@42`` of `data.document`."""
    doc = data.get("document")
    if not isinstance(doc, Mapping):
        return None
    text = f"{doc.get('format')} {doc.get('reference') or '-'} sha256:{doc.get('sha256')}"
    if doc.get("topic") is not None:
        text += f" {doc['topic']}:{doc.get('partition')}@{doc.get('offset')}"
    return text


def to_csv(entries: Sequence[Mapping[str, Any]]) -> str:
    """The entries as CSV with a header row; anomalies joined by '; '; `document` names
    the raw B2B document an event was translated from (empty for the others)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in entries:
        data = row.get("data") or {}
        values = dict(row)
        values.update(
            revision=data.get("revision"),
            recipient=data.get("recipient"),
            decision=data.get("decision"),
            anomalies="; ".join(row.get("anomalies") or ()),
            document=_document(data),
        )
        writer.writerow([_csv_value(values.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def to_jsonl(entries: Sequence[Mapping[str, Any]]) -> str:
    """The entries as JSON lines (canonical JSON, one entry with its links per line)."""
    return "".join(canonical(row) + "\n" for row in entries)
