"""Hand-made EDIFACT interchanges for the reader's tests: segments in, correct counts out."""

from pathlib import Path

from services.gateway.formats.edifact import read
from services.gateway.statements import Reading

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "documents" / "edifact"
UNA = "UNA:+.? '"


def interchange(
    *messages: tuple[str, list[str]],
    control: str = "SUP0001",
    sender: str = "5412345000013:14",
    recipient: str = "4012345000009:14",
    syntax: str = "UNOC:3",
    when: str = "240301:0935",
) -> bytes:
    """An interchange of `messages`, each (UNH S009, segments without terminator), with
    UNT 0074 and UNZ 0036 counted, one segment a line as most partners write them."""
    lines = [UNA, f"UNB+{syntax}+{sender}+{recipient}+{when}+{control}'"]
    for number, (identifier, segments) in enumerate(messages, start=1):
        lines.append(f"UNH+{number}+{identifier}'")
        lines += [f"{segment}'" for segment in segments]
        lines.append(f"UNT+{len(segments) + 2}+{number}'")
    lines.append(f"UNZ+{len(messages)}+{control}'")
    return ("\n".join(lines) + "\n").encode("latin-1")


def contrl(*segments: str) -> Reading:
    """The reading of a CONTRL of these segments."""
    return read(interchange(("CONTRL:D:3:UN", list(segments))))


def aperak(*segments: str) -> Reading:
    """The reading of an APERAK of these segments."""
    return read(interchange(("APERAK:D:96A:UN:EAN001", list(segments))))


def ordrsp(*segments: str, function: str = "4", order: str = "RFF+ON:PO-1001") -> Reading:
    """The reading of an ORDRSP: BGM 231 with `function`, DTM 137, `order`, segments."""
    head = [f"BGM+231+ORSP-1+{function}", "DTM+137:202403011100:203", order]
    return read(interchange(("ORDRSP:D:96A:UN:EAN005", [*head, *segments])))


def sample(name: str) -> bytes:
    """The bytes of one sample document."""
    return (SAMPLES / name).read_bytes()
