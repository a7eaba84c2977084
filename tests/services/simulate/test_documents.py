"""With `documents`, what partners' systems send arrives as raw B2B documents (§2b)."""

import json
import re
from collections import Counter
from typing import Any

from projections.correlation import message_key
from schemas.binding import STRUCTURED_CONTENT_TYPE, decode
from schemas.topics import Topic
from services.simulate.documents.courier import CXML, EDIFACT, EMAIL, X12
from services.simulate.traffic import SimEvent, encode, generate, tally
from tests.services.simulate.support import START

FORMAT_OF_CHANNEL = {"edi": (X12, EDIFACT), "cxml": (CXML,), "email": (EMAIL,)}
MESSAGE_IDS = {
    X12: re.compile(r"^\d{1,9}\.0001$"),  # <GS06>.<ST02> of the 850
    EDIFACT: re.compile(r"^\d{1,9}\.1$"),  # <UNB 0020>.<UNH 0062> of the ORDERS
    CXML: re.compile(r"^\d{10}\.[0-9a-f]{12}@b2b\.buyer\.example$"),  # OrderRequest payloadID
    EMAIL: re.compile(r"^po\.PO-\d{4}-\d{6}\.r\d+\.[0-9a-f]{12}@mail\.buyer\.example$"),
}


def documents(stream: list[SimEvent]) -> list[SimEvent]:
    return [e for e in stream if e.content_type and e.bad is None]


def cloudevents(stream: list[SimEvent]) -> list[dict[str, Any]]:
    """The good CloudEvents, each once (re-sends left out)."""
    return [
        e.value for e in stream if e.bad is None and not e.duplicate and isinstance(e.value, dict)
    ]


def test_documents_of_every_format_and_type_appear(documents_stream: list[SimEvent]) -> None:
    found = Counter((e.content_type, e.scripted and e.scripted["type"]) for e in documents_stream)
    for content_type, kind in [
        (X12, "po.received"),
        (X12, "po.acknowledged"),
        (EDIFACT, "po.received"),
        (EDIFACT, "po.acknowledged"),
        (CXML, "po.received"),
        (CXML, "po.acknowledged"),
        (EMAIL, "po.delivered"),
        (EMAIL, "po.delivery_failed"),
        (EMAIL, "po.received"),
    ]:
        assert found[content_type, kind] > 0, (content_type, kind)
    share = len(documents(documents_stream)) / len(documents_stream)
    assert 0.2 < share < 0.5


def test_a_document_is_its_bytes_and_its_content_type(documents_stream: list[SimEvent]) -> None:
    for event in documents(documents_stream):
        key, value, headers = encode(event)
        assert event.topic is Topic.DOCUMENTS and key == event.key.encode()
        assert value == event.value and headers == [
            ("content-type", str(event.content_type).encode())
        ]
        assert "documents" in tally(event) and "structured" not in tally(event)
        assert event.scripted is not None and event.time.microsecond == 0
        if event.content_type in (X12, EDIFACT):  # these carry the minute, the others seconds
            assert event.time.second == 0
        structured = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]
        scripted = decode(json.dumps(event.scripted).encode(), structured)
        assert scripted.time == event.time and scripted.subject == event.key


def test_what_gateways_report_stays_a_cloudevent(documents_stream: list[SimEvent]) -> None:
    evidence = Counter(
        (e["type"], e["data"].get("evidence")) for e in cloudevents(documents_stream)
    )
    assert ("po.delivered", "as2-mdn") in evidence and ("po.delivered", "http-202") in evidence
    assert ("po.received", "portal-viewed") in evidence
    assert not any(ev == "smtp-250" for _, ev in evidence)  # contract v1.1: only po.sent
    email_evidence = {"email-dsn-delivered", "email-read-receipt", "cxml-status-200"}
    assert not {ev for _, ev in evidence} & email_evidence  # those come as documents
    sources = Counter(
        e["source"] for e in cloudevents(documents_stream) if e["type"] == "po.acknowledged"
    )
    assert sources["urn:gateway:email"] > 0 and sources["urn:potrack:portal"] > 0


def test_each_send_carries_the_id_its_answers_quote(documents_stream: list[SimEvent]) -> None:
    sends = [e for e in cloudevents(documents_stream) if e["type"] == "po.sent"]
    by_format: Counter[str] = Counter()
    keys: set[str] = set()
    for send in sends:
        data = send["data"]
        formats = FORMAT_OF_CHANNEL.get(data["channel"])
        if formats:
            matched = [f for f in formats if MESSAGE_IDS[f].match(data["message_id"])]
            assert matched, data
            by_format[matched[0]] += 1
        key = message_key(data["message_id"])
        assert key not in keys  # correlation needs every message id once
        keys.add(key)
    assert all(by_format[f] > 0 for f in MESSAGE_IDS)


def test_same_seed_same_documents_and_resends_are_byte_identical() -> None:
    def wire(seed: int) -> list[tuple[Topic, Any]]:
        return [(e.topic, encode(e)) for e in generate(seed, 600, START, documents=True)]

    assert wire(4) == wire(4)
    assert wire(4) != wire(5)
    stream = list(generate(4, 3000, START, documents=True, duplicate_fraction=0.05))
    originals = {e.value for e in documents(stream) if not e.duplicate}
    resent = [e for e in documents(stream) if e.duplicate]
    assert resent and all(e.value in originals for e in resent)


def test_without_documents_every_event_is_a_cloudevent() -> None:
    stream = list(generate(4, 1500, START))
    assert not any(e.content_type or e.topic is Topic.DOCUMENTS for e in stream)
    assert {"structured", "binary"} >= {tally(e)[2] for e in stream}
