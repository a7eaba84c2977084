"""CONTRACT §1, §2 and §4: what the CloudEvents Kafka binding accepts, and why it refuses."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from schemas.binding import MAX_VALUE_BYTES, BadInput, decode
from schemas.events import PoAcknowledged, PoApproved, PoCancelled, PoSent
from schemas.recorded import Fact
from schemas.status import Channel, Decision, EventType, RecipientKind
from tests.factories import (
    PO,
    RECORDED_AT,
    STRUCTURED,
    Headers,
    binary,
    ce,
    encode,
    plan,
    record,
)

SENT = {"revision": 1, "recipient": "S1", "channel": "edi"}
FAILED = {"revision": 1, "recipient": "S1", "permanent": True, "code": "5.1.1"}
ACK = {"revision": 1, "recipient": "S1", "decision": "accepted"}


# --- accepted ----------------------------------------------------------------------------


def test_a_structured_mode_event_is_accepted() -> None:
    event = decode(record(EventType.APPROVED, PO, plan(), id="a-1"), STRUCTURED)

    assert isinstance(event, PoApproved)
    assert (event.source, event.id, event.subject) == ("urn:erp", "a-1", PO)
    assert event.data.recipients[0].kind is RecipientKind.SUPPLIER
    assert event.data.total_amount == Decimal("1250.00")


def test_a_structured_mode_event_is_accepted_without_a_content_type_header() -> None:
    event = decode(record(EventType.SENT, PO, SENT), None)

    assert isinstance(event, PoSent)
    assert event.data.channel is Channel.EDI


def test_a_binary_mode_event_is_accepted() -> None:
    value, headers = binary(ce(EventType.ACKNOWLEDGED, PO, ACK, id="ack-1", time=30))

    event = decode(value, headers)

    assert isinstance(event, PoAcknowledged)
    assert (event.id, event.subject) == ("ack-1", PO)
    assert event.time == datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    assert event.data.decision is Decision.ACCEPTED


def test_a_binary_mode_content_type_may_carry_parameters() -> None:
    value, headers = binary(
        ce(EventType.SENT, PO, SENT), content_type="application/json; charset=utf-8"
    )

    assert isinstance(decode(value, headers), PoSent)


def test_both_content_modes_decode_to_the_same_event() -> None:
    structured = ce(EventType.APPROVED, PO, plan(["S1", "S2"], ["I1"]), id="same")

    assert decode(*binary(structured)) == decode(encode(structured), STRUCTURED)


def test_unknown_extension_attributes_are_ignored() -> None:
    event = decode(record(EventType.SENT, PO, SENT, traceparent="00-abc-def-01"), STRUCTURED)

    assert isinstance(event, PoSent)


def test_a_time_with_any_offset_is_accepted_and_keeps_its_instant() -> None:
    event = decode(record(EventType.SENT, PO, SENT, time="2025-03-03T10:00:00+01:00"), None)

    assert event.time == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert event.time.utcoffset() == timedelta(0)  # normalised to UTC: one form per instant


def _approval(value: bytes) -> PoApproved:
    event = decode(value, None)
    assert isinstance(event, PoApproved)
    return event


def test_amounts_may_be_decimal_numbers_or_decimal_strings() -> None:
    as_number = _approval(record(EventType.APPROVED, PO, plan(total_amount=99.5)))
    as_string = _approval(record(EventType.APPROVED, PO, plan(total="99.50")))

    assert as_number.data.total_amount == as_string.data.total_amount == Decimal("99.5")


def test_optional_plan_fields_take_their_contract_defaults() -> None:
    event = _approval(record(EventType.APPROVED, PO, plan()))

    assert event.data.acknowledgment_required is True
    assert event.data.payment_terms_days == 30
    assert event.data.acknowledgment_due_hours is None


def test_a_cancellation_needs_no_data() -> None:
    event = decode(record(EventType.CANCELLED, PO), None)

    assert isinstance(event, PoCancelled)
    assert event.data.revision is None


def test_a_subject_of_exactly_64_characters_is_accepted() -> None:
    event = decode(record(EventType.SENT, "P" * 64, SENT), None)

    assert event.subject == "P" * 64


def test_a_value_of_exactly_1_mib_is_accepted() -> None:
    value = record(EventType.SENT, PO, SENT)
    padded = value[:-1] + b" " * (MAX_VALUE_BYTES - len(value)) + b"}"
    assert len(padded) == MAX_VALUE_BYTES

    assert isinstance(decode(padded, None), PoSent)


def test_an_accepted_event_becomes_a_fact_with_its_identity_and_typed_payload() -> None:
    event = decode(record(EventType.DELIVERY_FAILED, PO, FAILED, id="f-1", source="urn:gw"), None)

    fact = Fact.from_event(event, recorded_at=RECORDED_AT, topic="po.delivery.v1", offset=7)

    assert fact.key == ("urn:gw", "f-1")
    assert fact.type is EventType.DELIVERY_FAILED
    assert fact.data == {"revision": 1, "recipient": "S1", "permanent": True, "code": "5.1.1"}
    assert fact.payload.permanent is True
    assert (fact.topic, fact.offset, fact.anomalies) == ("po.delivery.v1", 7, ())


def test_a_fact_keeps_its_payload_through_a_json_round_trip() -> None:
    event = decode(record(EventType.APPROVED, PO, plan(["S1"], ["I1"])), None)
    fact = Fact.from_event(event, recorded_at=RECORDED_AT)

    again = Fact.model_validate(json.loads(fact.model_dump_json()))

    assert again == fact
    assert again.payload == fact.payload == event.data


# --- refused, with a reason --------------------------------------------------------------


def _without(event: dict[str, Any], name: str) -> dict[str, Any]:
    event = dict(event)
    del event[name]
    return event


def _data(type: EventType, data: dict[str, Any]) -> bytes:
    return record(type, PO, data)


def _plan_with(**changes: Any) -> bytes:
    return _data(EventType.APPROVED, plan() | changes)


_SENT_EVENT = ce(EventType.SENT, PO, SENT)
_BINARY_VALUE, _BINARY_HEADERS = binary(_SENT_EVENT)

# (value, headers, words the reason must contain)
BAD: dict[str, tuple[bytes | None, Headers | None, str]] = {
    "a value that is not JSON": (b"<PurchaseOrder/>", None, "not JSON"),
    "a value that is not UTF-8": (b'{"id": "\x80"}', None, "not JSON"),
    "a JSON array": (encode([_SENT_EVENT]), None, "not a CloudEvent"),
    "a JSON string": (encode("po.sent"), None, "not a CloudEvent"),
    "a JSON object that is not a CloudEvent": (encode(SENT), None, "not a CloudEvent"),
    "a CloudEvent of another specversion": (
        encode(_SENT_EVENT | {"specversion": "0.3"}),
        None,
        "specversion",
    ),
    "a CloudEvent without an id": (encode(_without(_SENT_EVENT, "id")), None, "id"),
    "a CloudEvent without a source": (encode(_without(_SENT_EVENT, "source")), None, "source"),
    "an unknown type": (record("po.shipped", PO, SENT), None, "unknown type 'po.shipped'"),
    "a missing type": (encode(_without(_SENT_EVENT, "type")), None, "unknown type None"),
    "a missing subject": (encode(_without(_SENT_EVENT, "subject")), None, "'subject'"),
    "an empty subject": (record(EventType.SENT, "", SENT), None, "'subject'"),
    "a subject over 64 characters": (
        record(EventType.SENT, "P" * 65, SENT),
        None,
        "subject: String should have at most 64 characters",
    ),
    "a subject that is a number": (encode(_SENT_EVENT | {"subject": 1001}), None, "subject"),
    "a missing time": (encode(_without(_SENT_EVENT, "time")), None, "'time'"),
    "a time without an offset": (
        record(EventType.SENT, PO, SENT, time="2025-03-03T09:00:00"),
        None,
        "time must be an RFC 3339 timestamp with an offset",
    ),
    "a time as a number": (
        encode(_SENT_EVENT | {"time": 1741000000}),
        None,
        "time must be an RFC 3339 timestamp with an offset",
    ),
    "a time that is only a date": (
        record(EventType.SENT, PO, SENT, time="2025-03-03"),
        None,
        "time must be an RFC 3339",
    ),
    "a time that is not a real instant": (
        record(EventType.SENT, PO, SENT, time="2025-02-30T09:00:00Z"),
        None,
        "time",
    ),
    "an approval without data": (record(EventType.APPROVED, PO), None, "data: Field required"),
    "a revision as a string": (
        _data(EventType.SENT, SENT | {"revision": "1"}),
        None,
        "data.revision: Input should be a valid integer",
    ),
    "a revision as a boolean": (
        _data(EventType.SENT, SENT | {"revision": True}),
        None,
        "data.revision",
    ),
    "a revision of zero": (
        _data(EventType.SENT, SENT | {"revision": 0}),
        None,
        "data.revision: Input should be greater than or equal to 1",
    ),
    "an unknown channel": (
        _data(EventType.SENT, SENT | {"channel": "fax"}),
        None,
        "data.channel",
    ),
    "a permanent flag that is not a boolean": (
        _data(EventType.DELIVERY_FAILED, FAILED | {"permanent": "yes"}),
        None,
        "data.permanent: Input should be a valid boolean",
    ),
    "a permanent flag that is missing": (
        _data(EventType.DELIVERY_FAILED, _without(FAILED, "permanent")),
        None,
        "data.permanent: Field required",
    ),
    "an extra data field": (
        _data(EventType.SENT, SENT | {"recipent": "S1"}),
        None,
        "data.recipent: Extra inputs are not permitted",
    ),
    "an unknown decision": (
        _data(EventType.ACKNOWLEDGED, ACK | {"decision": "maybe"}),
        None,
        "data.decision",
    ),
    "empty recipients": (_plan_with(recipients=[]), None, "data.recipients"),
    "duplicate recipient ids": (
        _plan_with(
            recipients=[
                {"id": "S1", "kind": "supplier", "channel": "email"},
                {"id": "S1", "kind": "internal", "channel": "print"},
            ]
        ),
        None,
        "recipient ids must be unique",
    ),
    "an unknown recipient kind": (
        _plan_with(recipients=[{"id": "S1", "kind": "carrier", "channel": "email"}]),
        None,
        "data.recipients.0.kind",
    ),
    "a currency that is not ISO 4217": (_plan_with(currency="euro"), None, "data.currency"),
    "a negative total amount": (_plan_with(total_amount="-5"), None, "data.total_amount"),
    "an amount that is not a number": (
        _plan_with(total_amount="lots"),
        None,
        "data.total_amount",
    ),
    "a value over 1 MiB": (
        record(EventType.SENT, PO, SENT | {"message_id": "m"})
        + b" " * MAX_VALUE_BYTES,  # whitespace: still valid JSON, just too big
        None,
        "over the 1 MiB limit",
    ),
    "a tombstone (no value)": (None, None, "tombstone"),
    "a binary-mode header that is not UTF-8": (
        _BINARY_VALUE,
        [*_BINARY_HEADERS, ("ce_source", b"urn:\xff")],
        "header 'ce_source' is not UTF-8",
    ),
    "a binary-mode value with a non-JSON content-type": (
        _BINARY_VALUE,
        [*_BINARY_HEADERS[:-1], ("content-type", b"application/xml")],
        "binary mode needs content-type application/json, got 'application/xml'",
    ),
    "a binary-mode value that is not JSON": (
        b"revision=1",
        _BINARY_HEADERS,
        "binary-mode value is not JSON",
    ),
    "a binary-mode event without ce_time": (
        _BINARY_VALUE,
        [h for h in _BINARY_HEADERS if h[0] != "ce_time"],
        "missing required attribute 'time'",
    ),
    "a binary-mode event with data that is not an object": (
        encode([SENT]),
        _BINARY_HEADERS,
        "po.sent failed its schema",
    ),
}


@pytest.mark.parametrize(("value", "headers", "reason"), BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_with_a_reason(
    value: bytes | None, headers: Headers | None, reason: str
) -> None:
    with pytest.raises(BadInput) as refused:
        decode(value, headers)

    assert reason in str(refused.value)


def test_a_schema_failure_names_the_type_and_every_bad_field() -> None:
    value = _data(EventType.SENT, {"revision": "1", "recipient": "", "channel": "fax"})

    with pytest.raises(BadInput) as refused:
        decode(value, None)

    reason = str(refused.value)
    assert reason.startswith("po.sent failed its schema: ")
    for field in ("data.revision", "data.recipient", "data.channel"):
        assert field in reason


def test_bad_input_is_a_value_error_so_callers_may_catch_either() -> None:
    with pytest.raises(ValueError):
        decode(b"nope", None)


# --- known defects (see the report): these fail until schemas/binding.py is fixed ---------


@pytest.mark.parametrize("bad_type", [["po.sent"], {"name": "po.sent"}], ids=["list", "object"])
def test_a_type_that_is_not_a_string_is_refused_as_bad_input(bad_type: Any) -> None:
    # BUG schemas/binding.py:83 (decode): `event_type not in _KNOWN_TYPES` hashes the value,
    # so a JSON array or object `type` raises TypeError instead of BadInput: no dead letter,
    # the consumer sees an unexpected exception.
    with pytest.raises(BadInput, match="unknown type"):
        decode(encode(_SENT_EVENT | {"type": bad_type}), None)


def test_a_structured_event_with_stray_ce_headers_is_still_structured() -> None:
    # BUG schemas/binding.py:50 (_attributes): the CloudEvents Kafka binding picks structured
    # mode when content-type starts with application/cloudevents, whatever other headers
    # say; a producer that also copies attributes into ce_ headers is dead-lettered today.
    headers = [*STRUCTURED, ("ce_type", b"po.sent"), ("ce_subject", PO.encode())]

    event = decode(encode(_SENT_EVENT), headers)

    assert isinstance(event, PoSent)
    assert event.data.recipient == "S1"


@pytest.mark.parametrize("number", ["12345678901234567.89", "0.1234567890123456789"])
def test_an_amount_sent_as_a_json_number_keeps_every_digit(number: str) -> None:
    # BUG schemas/binding.py:40 (_json): json.loads parses JSON numbers as binary floats before
    # pydantic makes them Decimal, so amounts with more than ~15 significant digits are
    # rounded (12345678901234567.89 becomes 12345678901234568) although CONTRACT §2 takes
    # "decimal numbers". Fix: json.loads(value, parse_float=Decimal).
    value = record(EventType.APPROVED, PO, plan(total="0")).replace(b'"0"', number.encode(), 1)

    event = _approval(value)

    assert event.data.total_amount == Decimal(number)


@pytest.mark.parametrize("time", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_a_time_whose_utc_instant_is_off_the_calendar_is_refused(time: str) -> None:
    # BUG schemas/events.py:181-187 (Envelope._rfc3339): these are accepted, but their UTC
    # instant is outside datetime's range, so every later `time.astimezone(UTC)` (e.g.
    # projections/alerts.py `_utc`) raises OverflowError: an accepted poison pill.
    with pytest.raises(BadInput, match="time"):
        decode(record(EventType.SENT, PO, SENT, time=time), None)


def test_json_nested_too_deeply_to_parse_is_bad_input_not_a_crash() -> None:
    with pytest.raises(BadInput, match="nested too deeply"):
        decode(b"[" * 200_000 + b"]" * 200_000, None)
