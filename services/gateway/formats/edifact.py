"""UN/EDIFACT reader: an interchange's bytes -> a `Reading` (§2b), pure.

Reads CONTRL (syntax and service report), APERAK (application error and
acknowledgement) and ORDRSP (purchase order response) messages; the mapping of their
codes is `services.gateway.mapping.edifact.ROWS`. The envelope is checked as ISO 9735
defines it: UNB ... UNZ with UNZ 0020 = UNB 0020 and UNZ 0036 = the number of messages
(or of UNG groups), each message UNH ... UNT with UNT 0062 = UNH 0062 and UNT 0074 = its
number of segments, UNH and UNT included.

Segments are split by `edifact_syntax` (why not pydifact's tokenizer: see there);
pydifact reads the UNA service string advice and serialises the simulator's documents.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from services.gateway.formats import edifact_contrl, edifact_ordrsp
from services.gateway.formats.edifact_syntax import Segment, decode, envelope_time, split
from services.gateway.statements import DocumentError, Format, Reading, Statement

Message = edifact_contrl.Message
MessageReader = Callable[[Message, list[str]], list[Statement]]
READERS: dict[str, MessageReader] = {
    "CONTRL": edifact_contrl.read_contrl,
    "APERAK": edifact_contrl.read_aperak,
    "ORDRSP": edifact_ordrsp.read_ordrsp,
}


def read(body: bytes) -> Reading:
    """Read one EDIFACT interchange (ISO 9735, syntax versions 1-4).

    Returns a Reading with `senders` = (``<UNB S002 0004>:<0007>``, ``<0004>``) (the
    partners file may list the id with or without its qualifier; just 0004 when the
    qualifier is absent), `control` = UNB 0020, `time` = UNB S004 (naive), `kind` = the
    message types read (e.g. ``CONTRL``; ``ORDRSP+APERAK`` when mixed) and one statement
    per answered message (CONTRL, APERAK) or per ORDRSP.

    Raises DocumentError with a one-line reason for anything else: not EDIFACT, a
    truncated interchange (no UNZ, a UNH without UNT), UNZ/UNT counts or references that
    do not match, an unsupported message type (named), an ORDRSP without BGM or RFF+ON,
    bad dates or numbers.
    """
    try:
        return _read(body)
    except DocumentError:
        raise
    except Exception as error:  # a bug or a library error must not escape as another type
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise DocumentError(f"unreadable EDIFACT interchange: {first}") from error


def _read(body: bytes) -> Reading:
    _, segments = split(decode(body))
    if not segments or segments[0].tag != "UNB":
        raise DocumentError("not an EDIFACT interchange: no UNB interchange header")
    unb = segments[0]
    control = unb.get(4)
    if not control:
        raise DocumentError("UNB 0020 interchange control reference is missing")
    if segments[-1].tag != "UNZ":
        raise DocumentError("truncated interchange: no UNZ interchange trailer")
    unz = segments[-1]
    if unz.get(1) != control:
        raise DocumentError(f"UNZ 0020 {unz.get(1)!r} does not match UNB 0020 {control!r}")
    sender, qualifier = unb.get(1, 0), unb.get(1, 1)
    if not sender:
        raise DocumentError("UNB S002 0004 interchange sender is missing")
    time = envelope_time(unb.elements[3] if len(unb.elements) > 3 else [], unb.get(0, 1))
    messages, groups = _messages(segments[1:-1], time)
    counted = groups if groups else len(messages)
    if _count(unz.get(0)) != counted:
        what = "groups" if groups else "messages"
        raise DocumentError(
            f"UNZ 0036 says {unz.get(0)!r} but the interchange has {counted} {what}"
        )
    if not messages:
        raise DocumentError("the interchange carries no message")
    statements: list[Statement] = []
    notes: list[str] = []
    kinds: list[str] = []
    for message in messages:
        reader = READERS.get(message.type)
        if reader is None:
            raise DocumentError(
                f"unsupported EDIFACT message type {message.type} (reads {', '.join(READERS)})"
            )
        if message.type not in kinds:
            kinds.append(message.type)
        statements += reader(message, notes)
    return Reading(
        format=Format.EDIFACT,
        kind="+".join(kinds),
        control=control,
        senders=(f"{sender}:{qualifier}", sender) if qualifier else (sender,),
        statements=_unique_keys(statements),
        time=time,
        notes=tuple(notes),
    )


def _messages(segments: list[Segment], time: datetime) -> tuple[list[Message], int]:
    """The messages between UNB and UNZ and the number of UNG groups, checking each UNT
    (0074 segment count, 0062 reference) and UNE (0060 message count, 0048 reference)."""
    messages: list[Message] = []
    groups = 0
    group: tuple[str, int] | None = None  # (UNG 0048, messages so far)
    opened: int | None = None  # index of the open message's UNH
    for index, segment in enumerate(segments):
        tag = segment.tag
        if opened is not None:
            if tag == "UNT":
                body = segments[opened + 1 : index]
                messages.append(_message(segments[opened], body, segment, time))
                opened = None
                if group:
                    group = (group[0], group[1] + 1)
            elif tag in ("UNH", "UNE", "UNG"):
                raise DocumentError(f"truncated message: UNH {segments[opened].get(0)} has no UNT")
        elif tag == "UNH":
            opened = index
        elif tag == "UNG" and group is None:
            group, groups = (segment.get(4), 0), groups + 1
        elif tag == "UNE" and group is not None:
            if segment.get(1) != group[0] or _count(segment.get(0)) != group[1]:
                raise DocumentError(f"UNE of group {group[0]!r} does not match its UNG/messages")
            group = None
        else:
            raise DocumentError(f"segment {tag} outside a message")
    if opened is not None:
        raise DocumentError(f"truncated message: UNH {segments[opened].get(0)} has no UNT")
    if group is not None:
        raise DocumentError(f"truncated group: UNG {group[0]} has no UNE")
    return messages, groups


def _message(unh: Segment, body: list[Segment], unt: Segment, time: datetime) -> Message:
    reference = unh.get(0)
    if unt.get(1) != reference:
        raise DocumentError(f"UNT 0062 {unt.get(1)!r} does not match UNH 0062 {reference!r}")
    if _count(unt.get(0)) != len(body) + 2:
        raise DocumentError(
            f"UNT 0074 of message {reference} says {unt.get(0)!r} segments, it has {len(body) + 2}"
        )
    return Message(reference, unh.get(1, 0), body, time)


def _count(value: str) -> int | None:
    """A count data element (UNZ 0036, UNE 0060, UNT 0074: n..6, leading zeros allowed)."""
    return int(value) if value.isdigit() else None


def _unique_keys(statements: list[Statement]) -> tuple[Statement, ...]:
    """Statements with keys made unique by a ``#n`` suffix on repeats (stable: the order
    of the document)."""
    seen: dict[str, int] = {}
    out: list[Statement] = []
    for statement in statements:
        count = seen.get(statement.key, 0)
        seen[statement.key] = count + 1
        if count:
            statement = replace(statement, key=f"{statement.key}#{count}")
        out.append(statement)
    return tuple(out)
