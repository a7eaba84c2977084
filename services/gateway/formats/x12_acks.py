"""X12 997, 999 and TA1 -> `Reply` statements (§2b "Meaning" and "Correlation").

A 997 (X12 Functional Acknowledgment) or 999 (Implementation Acknowledgment, 005010X231)
answers one functional group (AK1): one Reply per AK2 loop, for the message id
``<AK102>.<AK202>`` (the sent 850/860's ``<GS06>.<ST02>``), outcome from AK501/IK501;
without AK2 loops, one group Reply (``group=True``, message id AK102) from AK901. A
rejecting AK901 (R, M, W, X) overrides an accepting AK5/IK5: the sets of a rejected group
are not processed. A TA1 answers a whole interchange: one group Reply for message id
TA101, which holds only when the sending system numbers GS06 like ISA13 (potrack knows
only ``<GS06>.<ST02>``). AK102 and TA101 are written without leading zeros; AK202 as sent.
The codes' meanings and outcomes are the mapping rows (`services.gateway.mapping.x12`).
"""

from collections.abc import Callable
from datetime import datetime

from services.gateway.formats.x12_codes import note
from services.gateway.formats.x12_values import (
    Segment,
    TransactionSet,
    clip,
    control_number,
    element,
    moment,
    required,
)
from services.gateway.mapping import lookup
from services.gateway.mapping.x12 import EVIDENCE, ROWS
from services.gateway.statements import DocumentError, Outcome, Reply

READS = frozenset(
    {"AK1", "AK2", "AK3", "AK4", "AK5", "IK3", "IK4", "IK5", "AK9"}
)  # the rest: skipped
_MEANING = {(r.document, r.element, r.code): r.meaning for r in ROWS}
_SET = {"997": "AK5", "999": "IK5"}  # the AK2 loop's trailer
_NOTES = {"997": ("AK3", "AK4"), "999": ("IK3", "IK4")}  # segment and element notes
_OUTCOMES = {
    (doc, el): lookup(ROWS, doc, el)
    for doc, el in (("997", "AK501"), ("999", "IK501"), ("997", "AK901"), ("999", "AK901"))
}
_TA1 = lookup(ROWS, "TA1", "TA104")


def _outcome(doc: str, el: str, code: str) -> Outcome | None:
    found = _OUTCOMES[doc, el]
    if code not in found:
        raise DocumentError(f"{el} {code!r} is not an acknowledgment code (X12 717/715)")
    result = found[code]
    return result if isinstance(result, Outcome) else None


def _segment_note(seg: Segment) -> str:
    """``AK3 PO1 at segment 4 (loop PO1): AK304 8 segment has data element errors``."""
    text = f"{seg.seg_id} {element(seg, 1)} at segment {element(seg, 2)}"
    loop, code = element(seg, 3), element(seg, 4)
    text += f" (loop {loop})" if loop else ""
    return text + (f": {note(f'{seg.seg_id}04', code)}" if code else "")


def _element_note(seg: Segment) -> str:
    """``AK4 element 2 (DE 330): AK403 7 invalid code value 'ZZ'``."""
    ref, bad = element(seg, 2), element(seg, 4)
    text = f"{seg.seg_id} element {element(seg, 1)}" + (f" (DE {ref})" if ref else "")
    text += f": {note(f'{seg.seg_id}03', element(seg, 3))}"
    return text + (f" {bad!r}" if bad else "")


def _codes(seg: Segment, first: int, describe: Callable[[str], str]) -> list[str]:
    return [describe(c) for n in range(first, first + 5) if (c := element(seg, n))]


def functional_ack(ts: TransactionSet) -> tuple[list[Reply], list[str]]:
    """The Replies of one 997 or 999 (`ts.id`), and notes. Raises DocumentError when AK1,
    AK9 or an AK2's AK5/IK5 is missing, a control number is not numeric, or a code is
    not in X12 717/715."""
    segs = ts.segments
    if not segs or segs[0].seg_id != "AK1":
        raise DocumentError("AK1 missing (the first segment)")
    group = control_number(required(segs[0], 2, "group control number"), "AK102")
    trailer, (seg_note, el_note) = _SET[ts.id], _NOTES[ts.id]
    answered: list[tuple[str, str, list[str]]] = []  # AK202, AK501/IK501, notes
    current: tuple[str, list[str]] | None = None
    ak9: Segment | None = None
    for seg in segs[1:]:
        sid = seg.seg_id
        if sid in ("AK2", "AK9") and current is not None:
            raise DocumentError(f"AK2 {current[0]} has no {trailer}")
        if sid == "AK2":
            current = (required(seg, 2, "transaction set control number"), [])
        elif sid == seg_note and current is not None:
            current[1].append(_segment_note(seg))
        elif sid == el_note and current is not None:
            current[1].append(_element_note(seg))
        elif sid == trailer:
            if current is None:
                raise DocumentError(f"{trailer} without AK2")
            code = required(seg, 1, "transaction set acknowledgment code")
            errors = _codes(seg, 2, lambda c: note(f"{trailer}02", c))
            answered.append((current[0], code, errors + current[1]))
            current = None
        elif sid == "AK9":
            ak9 = seg
    if current is not None:
        raise DocumentError(f"AK2 {current[0]} has no {trailer}")
    if ak9 is None:
        raise DocumentError("AK9 missing")
    g_code = required(ak9, 1, "functional group acknowledge code")
    g_result = _outcome(ts.id, "AK901", g_code)
    g_text = f"AK9 {g_code}: {_MEANING[ts.id, 'AK901', g_code].lower()}"
    g_text = "; ".join([g_text, *_codes(ak9, 5, lambda c: note("AK905", c))])
    prefix = f"{ts.id}.{ts.group.control}.{ts.control}"
    replies: list[Reply] = []
    seen: set[str] = set()
    for ak202, code, notes in answered:
        if ak202 in seen:
            raise DocumentError(f"AK202 {ak202} is answered twice")
        seen.add(ak202)
        result, el = _outcome(ts.id, f"{trailer}01", code), f"{trailer}01"
        text = "; ".join([f"{trailer} {code}: {_MEANING[ts.id, el, code].lower()}", *notes])
        if result is not Outcome.FAILED and g_result is Outcome.FAILED:
            result, el, code, text = g_result, "AK901", g_code, f"{g_text}; {text}"
        assert result is not None  # 717 has no code without an outcome
        replies.append(
            Reply(
                message_id=f"{group}.{ak202}",
                outcome=result,
                evidence=EVIDENCE[ts.id, el, code],
                key=f"{prefix}.{ak202}",
                time=ts.group.time,
                code=code if result is Outcome.FAILED else None,
                reason=None if code == "A" else clip(text),
            )
        )
    if answered:
        return replies, []
    if g_result is None:
        return [], [f"{ts.name}: {g_text}, and no AK2 says which set: no event"]
    reply = Reply(
        message_id=group,
        outcome=g_result,
        evidence=EVIDENCE[ts.id, "AK901", g_code],
        key=f"{prefix}.group",
        time=ts.group.time,
        group=True,
        code=g_code if g_result is Outcome.FAILED else None,
        reason=None if g_code == "A" else clip(g_text),
    )
    return [reply], []


def ta1(seg: Segment, index: int, time: datetime) -> Reply:
    """The group Reply of a TA1 (the `index`-th of its interchange, whose ISA09/ISA10 is
    `time`): message id TA101 without leading zeros, ``group=True``. Raises DocumentError
    when TA101 is not numeric, TA102/TA103 not a date and time or TA104 not in X12 I17."""
    answered = control_number(required(seg, 1, "interchange control number"), "TA101")
    moment(element(seg, 2), element(seg, 3), "TA102", "TA103")
    code = required(seg, 4, "interchange acknowledgment code")
    result = _TA1.get(code)
    if not isinstance(result, Outcome):
        raise DocumentError(f"TA104 {code!r} is not an interchange acknowledgment code (X12 I17)")
    text = f"TA1 {code}: {_MEANING['TA1', 'TA104', code].lower()}"
    if (note_code := element(seg, 5)) and note_code != "000":
        text += f"; {note('TA105', note_code)}"
    return Reply(
        message_id=answered,
        outcome=result,
        evidence=EVIDENCE["TA1", "TA104", code],
        key=f"TA1.{answered}.{index}",
        time=time,
        group=True,
        code=code if result is Outcome.FAILED else None,
        reason=None if code == "A" else clip(text),
    )
