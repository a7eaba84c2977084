"""The committed JSON Schemas and AsyncAPI document are current, complete and truthful."""

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from schemas import generate
from schemas.binding import decode
from schemas.status import EventType
from schemas.topics import COMPACTED_TOPICS, INBOUND_TOPICS, OUTBOUND_TOPICS, Topic
from schemas.views import Alert, Commitment, dump
from tests.factories import (
    PO,
    STRUCTURED,
    acked,
    approved,
    binary,
    ce,
    delivered,
    encode,
    plan,
    view_of,
)

FILES = generate.generate()
ASYNCAPI = json.loads(FILES[generate.ASYNCAPI_FILE])


def schema(name: str) -> dict[str, Any]:
    return json.loads(FILES[f"{generate.JSONSCHEMA_DIR}/{name}"])


def validator(name: str) -> Any:
    return jsonschema_rs.validator_for(schema(name), validate_formats=True)


def _resolve(document: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/"):
        document = document[part.replace("~1", "/").replace("~0", "~")]
    return document


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


# --- current ----------------------------------------------------------------------------------


def test_the_committed_schema_files_are_up_to_date() -> None:
    outdated = generate.stale(files=FILES)

    assert not outdated, (
        "generated schema files are stale; regenerate with `make schemas` "
        "(or `python -m schemas.generate`) and commit the result:\n  "
        + "\n  ".join(f"schemas/{path}" for path in outdated)
    )


def test_generation_is_deterministic() -> None:
    assert generate.generate() == FILES


def test_files_are_sorted_json_with_a_trailing_newline() -> None:
    for path, text in FILES.items():
        assert text.endswith("}\n"), path
        assert (
            text
            == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )


def test_check_reports_missing_changed_and_orphaned_files_and_write_fixes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(generate, "ROOT", tmp_path)
    assert generate.stale() == sorted(FILES)

    generate.write()
    assert generate.stale() == []
    assert generate.main(["--check"]) == 0

    (tmp_path / "jsonschema" / "po.sent.json").write_text("{}\n")
    (tmp_path / "jsonschema" / "po.shipped.json").write_text("{}\n")
    (tmp_path / "asyncapi.json").unlink()
    assert generate.main(["--check"]) == 1
    complaint = capsys.readouterr().err
    assert "make schemas" in complaint
    for path in ("asyncapi.json", "jsonschema/po.sent.json", "jsonschema/po.shipped.json"):
        assert f"schemas/{path}" in complaint

    assert generate.main([]) == 0
    assert generate.stale() == []
    assert not (tmp_path / "jsonschema" / "po.shipped.json").exists()


# --- complete ---------------------------------------------------------------------------------


def test_every_inbound_type_has_an_event_and_a_data_schema() -> None:
    for event_type in EventType:
        assert schema(f"{event_type}.json")["properties"]["type"]["const"] == event_type.value
        assert schema(f"{event_type}.data.json")["type"] == "object"


def test_every_inbound_type_is_routed_to_exactly_one_inbound_topic() -> None:
    assert set(generate.INBOUND_ROUTES) == set(EventType)
    assert set(generate.INBOUND_ROUTES.values()) == set(INBOUND_TOPICS)


def test_the_outbound_models_have_schemas() -> None:
    assert schema("po.status.data.json")["title"] == "StatusView"
    assert schema("po.alert.data.json")["title"] == Alert.__name__
    assert schema("po.commitment.data.json")["title"] == Commitment.__name__
    for event_type in ("po.status", "po.alert.raised", "po.alert.resolved", "po.commitment"):
        event = schema(f"{event_type}.json")
        assert event["properties"]["type"]["const"] == event_type
        assert event["properties"]["source"]["const"] == "urn:potrack"


def test_every_generated_json_schema_is_a_valid_2020_12_schema() -> None:
    for path, text in FILES.items():
        if path.startswith(generate.JSONSCHEMA_DIR):
            document = json.loads(text)
            assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            assert jsonschema_rs.meta.is_valid(document), path


def test_the_asyncapi_document_has_a_channel_for_every_topic() -> None:
    channels = ASYNCAPI["channels"]

    assert ASYNCAPI["asyncapi"] == "3.0.0"
    assert sorted(c["address"] for c in channels.values()) == sorted(t.value for t in Topic)
    compacted = {
        c["address"]
        for c in channels.values()
        if c["bindings"]["kafka"].get("topicConfiguration", {}).get("cleanup.policy") == ["compact"]
    }
    assert compacted == {t.value for t in COMPACTED_TOPICS}


def test_potrack_receives_the_inbound_topics_and_sends_the_others() -> None:
    actions: dict[str, str] = {}
    for operation in ASYNCAPI["operations"].values():
        channel = _resolve(ASYNCAPI, operation["channel"]["$ref"].removeprefix("#"))
        actions[channel["address"]] = operation["action"]

    assert actions == {
        **{t.value: "receive" for t in INBOUND_TOPICS},
        **{t.value: "send" for t in OUTBOUND_TOPICS},
        Topic.DEADLETTER.value: "send",
        Topic.DOCUMENTS.value: "receive",
    }


def test_every_inbound_type_has_a_structured_and_a_binary_message_on_its_topic() -> None:
    for event_type, topic in generate.INBOUND_ROUTES.items():
        channel = ASYNCAPI["channels"][topic.name.lower()]
        structured = _resolve(ASYNCAPI, channel["messages"][event_type.value]["$ref"][1:])
        binary_mode = _resolve(ASYNCAPI, channel["messages"][f"{event_type}.binary"]["$ref"][1:])

        assert structured["payload"] == {"$ref": f"./jsonschema/{event_type}.json"}
        assert binary_mode["payload"] == {"$ref": f"./jsonschema/{event_type}.data.json"}
        assert structured["traits"][0]["$ref"].endswith("/CloudEventsStructured")
        assert binary_mode["traits"][0]["$ref"].endswith("/CloudEventsBinary")
        assert binary_mode["headers"]["allOf"][1]["properties"]["ce_type"]["const"] == event_type


def test_the_deadletter_message_documents_its_four_headers() -> None:
    message = ASYNCAPI["components"]["messages"]["po.deadletter"]

    assert message["headers"]["required"] == [
        "potrack-error",
        "potrack-source-offset",
        "potrack-source-partition",
        "potrack-source-topic",
    ]
    assert set(message["headers"]["properties"]) == set(message["headers"]["required"])


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    refs = _refs(ASYNCAPI)

    assert refs
    for ref in refs:
        if ref.startswith("#/"):
            assert _resolve(ASYNCAPI, ref[1:]) is not None, ref
        else:
            assert ref.removeprefix("./") in FILES, ref


def test_operation_messages_belong_to_their_channel() -> None:
    for name, operation in ASYNCAPI["operations"].items():
        channel = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"{channel}/messages/"), name
            _resolve(ASYNCAPI, message["$ref"][1:])


# --- truthful: the schemas accept what the binding accepts, and what potrack emits ----------


def _valid_events() -> list[dict[str, Any]]:
    recipient = {"revision": 1, "recipient": "S1"}
    return [
        ce(EventType.APPROVED, PO, plan(["S1"], ["I1"], acknowledgment_due_hours=48)),
        ce(EventType.REVISED, PO, plan(revision=2, total_amount=99.5, reason="qty change")),
        ce(EventType.CANCELLED, PO),
        ce(EventType.CANCELLED, PO, {"revision": 2, "reason": "duplicate PO"}),
        ce(EventType.SENT, PO, recipient | {"channel": "edi", "attempt": 2}),
        ce(
            EventType.DELIVERED,
            PO,
            recipient | {"evidence": "as2-mdn"},
            time="2025-03-03T10:00:00+01:00",
        ),
        ce(EventType.DELIVERY_FAILED, PO, recipient | {"permanent": False, "code": "4.2.2"}),
        ce(EventType.RECEIVED, PO, recipient | {"evidence": "edi-997-accepted"}),
        ce(
            EventType.ACKNOWLEDGED,
            PO,
            recipient
            | {
                "decision": "accepted_with_changes",
                "lines": [
                    {
                        "line": 1,
                        "decision": "changed",
                        "quantity": "90",
                        "promised_date": "2025-04-01",
                    }
                ],
            },
            traceparent="00-abc-def-01",
        ),
    ]


@pytest.mark.parametrize("event", _valid_events(), ids=lambda e: e["type"])
def test_an_event_the_binding_accepts_is_valid_against_its_schemas(event: dict[str, Any]) -> None:
    decode(encode(event), STRUCTURED)  # the binding's verdict first
    value, _headers = binary(event)

    assert validator(f"{event['type']}.json").is_valid(event)
    assert validator(f"{event['type']}.data.json").is_valid(json.loads(value))


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        (EventType.SENT, {"revision": "1", "recipient": "S1", "channel": "edi"}),
        (EventType.SENT, {"revision": 1, "recipient": "S1", "channel": "fax"}),
        (EventType.SENT, {"revision": 1, "recipient": "S1", "channel": "edi", "extra": 1}),
        (EventType.DELIVERY_FAILED, {"revision": 1, "recipient": "S1", "permanent": "yes"}),
        (EventType.APPROVED, plan() | {"recipients": []}),
        (EventType.APPROVED, plan() | {"currency": "euro"}),
    ],
    ids=[
        "revision as text",
        "unknown channel",
        "extra field",
        "permanent as text",
        "no recipients",
        "bad currency",
    ],
)
def test_data_the_binding_refuses_is_invalid_against_its_schema(
    event_type: EventType, data: dict[str, Any]
) -> None:
    assert not validator(f"{event_type}.data.json").is_valid(data)
    assert not validator(f"{event_type}.json").is_valid(ce(event_type, PO, data))


def test_the_status_view_potrack_renders_is_valid_against_its_schema() -> None:
    view = view_of(
        PO,
        [approved(["S1"], ["I1"]), delivered("I1", time=1), acked("S1", time=2, revision=1)],
    )

    assert validator("po.status.data.json").is_valid(dump(view))


def test_the_status_event_potrack_publishes_is_valid_against_its_schema() -> None:
    from services.workers.outbox import encode as outbound

    view = view_of(PO, [approved(), delivered("S1", time=1)])
    _key, value, _headers = outbound(PO, "po.status", dump(view), "2025-03-03T09:01:00+00:00")

    assert validator("po.status.json").is_valid(json.loads(value))
