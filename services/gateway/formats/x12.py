"""X12 reader: an interchange of 997, 999, TA1, 855 and 865 -> one `Reading` (§2b).

Library: pyx12. `pyx12.rawx12file.RawX12File` over an `io.StringIO` finds the separators
in the fixed-length ISA and splits the segments (dropping the line breaks partners put
after terminators); each segment is then split on the element separator the raw reader
found (`x12_values.Segment`, which says why not pyx12's own Segment class). pyx12's
X12Reader is not used: it looks every value up through a reference-designator regex
(slower), reports envelope errors as a list of codes rather than one reason, and fails
with IndexError on some broken envelopes (an SE without ST); the envelope checks below are
the same ones, by ASC X12.6: ISA13 = IEA02, IEA01 = number of groups, GS06 = GE02, GE01 =
number of sets, SE01 = number of segments from ST to SE, ST02 = SE02.

Bytes are decoded as latin-1, never ascii: every byte decodes, so a partner's stray
accented character in a name does not dead-letter its acknowledgment (the separators and
codes are ASCII either way). One interchange per document: anything after IEA is an error.

What is read (see `x12_acks` and `x12_orders` for each set, `services.gateway.mapping.x12`
for the codes): `senders` = ``ISA05:ISA06`` trimmed; `control` = ISA13 as sent; `time` =
GS04/GS05 of the first group (ISA09/ISA10 when there is none), naive: X12 carries no zone.
Correlation ids are ``<GS06>.<ST02>`` of the sent 850/860 with GS06 without leading zeros.
"""

import io
from collections.abc import Callable, Iterator

from pyx12.errors import X12Error
from pyx12.rawx12file import RawX12File

from services.gateway.formats import x12_acks, x12_orders
from services.gateway.formats.x12_acks import functional_ack, ta1
from services.gateway.formats.x12_orders import order_ack
from services.gateway.formats.x12_values import (
    Group,
    Segment,
    TransactionSet,
    control_number,
    element,
    moment,
    required,
)
from services.gateway.statements import DocumentError, Format, Reading, Statement

SUPPORTED = ("997", "999", "855", "865")  # and TA1, which is a segment, not a set
_READS = x12_acks.READS | x12_orders.READS
_ISA_LENGTH = 106  # X12.5: the ISA is fixed-length, its element separator is the 4th char


def read(body: bytes) -> Reading:
    """Read one X12 interchange (Format.X12): one Reply per 997/999 AK2 loop (or per group
    without AK2 loops) and per TA1, one Confirmation per 855/865. Raises DocumentError
    with a one-line reason when the body is not X12, the envelope is truncated or its
    control numbers or counts disagree, a set is not one of `SUPPORTED`, or a set's
    content is bad (the reason then starts with the set: ``997 0001 of group 12: ...``)."""
    text = _text(body)
    try:
        raw = RawX12File(io.StringIO(text))
    except X12Error as exc:  # only the version check is left by _text's
        raise DocumentError(f"ISA12 {text[84:89]!r} is not a version pyx12 reads: {exc}") from None
    terms = (raw.seg_term, raw.ele_term, raw.subele_term)
    if len(set(terms)) < 3 or any(t.isalnum() or t == " " for t in terms):
        raise DocumentError(f"ISA separators {terms!r} are not three distinct special characters")

    def segment(line: str) -> Segment:
        return Segment.split(line, raw.ele_term)

    lines = iter(raw)
    isa = segment(next(lines))
    if len(isa.elements) != 16:
        raise DocumentError(f"ISA has {len(isa.elements)} elements, not 16")
    sender = f"{element(isa, 5)}:{element(isa, 6)}"
    control = required(isa, 13, "interchange control number")
    started = moment(element(isa, 9), element(isa, 10), "ISA09", "ISA10")
    try:
        ta1s, sets, groups = _envelope(lines, segment, raw.ele_term, control)
    except DocumentError as exc:  # pyx12 stops at an empty segment or unterminated text
        rest = raw.buffer.strip()
        if not str(exc).startswith("truncated") or not rest:
            raise
        raise DocumentError(f"{exc}; reading stopped before {rest[:24]!r}") from None
    statements: list[Statement] = []
    notes: list[str] = []
    for n, seg in enumerate(ta1s, 1):
        try:
            statements.append(ta1(seg, n, started))
        except DocumentError as exc:
            raise DocumentError(f"TA1 {n}: {exc}") from None
    for ts in sets:
        try:
            if ts.id in ("997", "999"):
                replies, found = functional_ack(ts)
                statements += replies
            else:
                confirmation, found = order_ack(ts)
                statements += [confirmation] if confirmation else []
        except DocumentError as exc:
            raise DocumentError(f"{ts.name}: {exc}") from None
        notes += found
    if len({s.key for s in statements}) < len(statements):
        raise DocumentError("control numbers repeat: two statements would share one id")
    kinds = ["TA1"] * bool(ta1s) + [ts.id for ts in sets]
    return Reading(
        format=Format.X12,
        kind="+".join(dict.fromkeys(kinds)),
        control=control,
        senders=(sender,),
        statements=tuple(statements),
        time=groups[0].time if groups else started,
        notes=tuple(notes),
    )


def _text(body: bytes) -> str:
    """The body as latin-1 text from its ISA on (a UTF-8 BOM and leading white space are
    dropped); DocumentError unless it starts with a complete fixed-length ISA."""
    text = body.removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip()
    if not text.startswith("ISA"):
        raise DocumentError("not X12: the document does not start with an ISA segment")
    if len(text) < _ISA_LENGTH:
        raise DocumentError("truncated: the ISA segment is shorter than its 106 characters")
    if text[103] != text[3]:
        raise DocumentError("ISA is not fixed-length: ISA16 must be its 105th character")
    return text


def _envelope(
    lines: Iterator[str], segment: Callable[[str], Segment], separator: str, isa13: str
) -> tuple[list[Segment], list[TransactionSet], list[Group]]:
    """Walk GS/ST/SE/GE/IEA after the ISA: (TA1 segments, transaction sets, groups), each
    checked against its trailer (module docstring). Only the segments a set reader reads
    (`_READS`) are split into elements.
    Raises DocumentError."""
    ta1s: list[Segment] = []
    sets: list[TransactionSet] = []
    groups: list[Group] = []
    group: Group | None = None
    in_group = 0
    st: tuple[str, str, list[Segment]] | None = None
    counted = 0  # segments of the open set, ST and SE excluded
    for line in lines:
        sid = line.partition(separator)[0].strip()
        if st is not None:
            if sid != "SE":
                if sid in ("ST", "GE", "GS", "IEA", "ISA"):
                    raise DocumentError(f"truncated: {st[0]} {st[1]} has no SE ({sid} follows)")
                counted += 1
                if sid in _READS:
                    st[2].append(segment(line))
                continue
            assert group is not None
            sets.append(_close_set(segment(line), group, *st, counted))
            st, in_group, counted = None, in_group + 1, 0
            continue
        seg = segment(line)
        if group is not None:
            if sid == "ST":
                st = (_set_id(seg, group), required(seg, 2, "transaction set control number"), [])
            elif sid == "GE":
                _check(seg, 2, group.control, "GE02", "GS06")
                _check(seg, 1, str(in_group), "GE01", "the number of transaction sets")
                group = None
            elif sid in ("GS", "IEA"):
                raise DocumentError(f"truncated: group {group.control} has no GE ({sid} follows)")
            else:
                raise DocumentError(f"segment {sid} outside a transaction set")
        elif sid == "GS":
            gs06 = control_number(required(seg, 6, "group control number"), "GS06")
            when = moment(element(seg, 4), element(seg, 5), "GS04", "GS05")
            group, in_group = Group(element(seg, 1), gs06, when), 0
            groups.append(group)
        elif sid == "TA1" and not groups:
            ta1s.append(seg)
        elif sid == "IEA":
            _check(seg, 2, isa13, "IEA02", "ISA13")
            _check(seg, 1, str(len(groups)), "IEA01", "the number of functional groups")
            break
        else:
            raise DocumentError(f"segment {sid} outside a functional group")
    else:
        if st is not None:
            raise DocumentError(f"truncated: {st[0]} {st[1]} has no SE")
        raise DocumentError(
            f"truncated: group {group.control} has no GE" if group else "truncated: no IEA"
        )
    for extra in lines:
        sid = extra.partition(separator)[0].strip()
        raise DocumentError(f"segment {sid} after IEA: one interchange per document")
    if not ta1s and not sets:
        raise DocumentError("the interchange holds no TA1 and no transaction set")
    return ta1s, sets, groups


def _set_id(st: Segment, group: Group) -> str:
    """ST01, which must be one of `SUPPORTED`; DocumentError naming it otherwise."""
    st01 = required(st, 1, "transaction set identifier code")
    if st01 not in SUPPORTED:
        raise DocumentError(
            f"transaction set {st01} (ST02 {element(st, 2)} of group {group.control}) is not "
            "supported: potrack reads 997, 999, 855, 865 and TA1"
        )
    return st01


def _close_set(
    se: Segment, group: Group, st01: str, st02: str, body: list[Segment], counted: int
) -> TransactionSet:
    """The set ending at `se` with `counted` segments between ST and SE, once SE02 = ST02
    and SE01 counts ST..SE (X12.6)."""
    if element(se, 2) != st02:
        raise DocumentError(f"{st01} {st02}: SE02 {element(se, 2)!r} does not match ST02")
    _check(se, 1, str(counted + 2), "SE01", f"the segments of {st01} {st02}")
    return TransactionSet(group, st01, st02, tuple(body))


def _check(seg: Segment, n: int, expected: str, name: str, against: str) -> None:
    """Element `n` (`name`) equals `expected` (as numbers when both are numeric), else
    DocumentError("GE01 '2' does not match the number of transaction sets (1)")."""
    value = element(seg, n)
    numeric = value.isdecimal() and expected.isdecimal()
    if value == expected or (numeric and int(value) == int(expected)):
        return
    raise DocumentError(f"{name} {value!r} does not match {against} ({expected})")
