"""EDIFACT CONTRL and APERAK -> `Reply` statements about the ORDERS potrack sent.

CONTRL (ISO 9735-5 syntax and service report, UNSM CONTRL): UCI answers the interchange
``UCI 0020``; each UCM answers the message ``<UCI 0020>.<UCM 0062>`` (§2b correlation id of
the sent ORDERS/ORDCHG); UCF answers a UNG group, UCS/UCD point at the faulty segment and
data element. A UCI with no UCM or UCF answers the whole interchange
(``Reply(group=True, message_id=<UCI 0020>)``). With UCMs, only they make statements: a
UCI 0083 7 acknowledges the unlisted messages implicitly, which is noted, not stated (a
group reply would contradict the UCMs that reject). A rejection (0083 4 or 6) at UCI or
UCF level rejects every UCM below it. potrack sends no UNG groups, so a UCF without UCMs
answers the whole interchange.

APERAK (UNSM APERAK, EANCOM APERAK): RFF+ACW (1153 "reference number to previous
message") names the message answered; ``<UNB 0020>.<UNH 0062>`` is taken as the
message id, a value without a dot as the UNB 0020 of the sent interchange (a group
reply: potrack sends one ORDERS per interchange). RFF+ON names only the PO, which a
reply cannot correlate by, so an APERAK without RFF+ACW is a DocumentError. BGM 1225
decides acceptance or error; without a row for it, any ERC is an application error.
"""

from dataclasses import dataclass, field
from datetime import datetime

from services.gateway.formats.edifact_syntax import Segment, document_time
from services.gateway.mapping import lookup
from services.gateway.mapping.edifact import (
    APERAK_EVIDENCE,
    CONTRL_EVIDENCE,
    ROWS,
    SYNTAX_ERRORS,
)
from services.gateway.statements import DocumentError, Outcome, Reply, Statement

ACTIONS = lookup(ROWS, "CONTRL", "0083")
MEANINGS = {r.code: r.meaning for r in ROWS if r.document == "CONTRL"}
APERAK_FUNCTIONS = lookup(ROWS, "APERAK", "BGM 1225")
APERAK_MEANINGS = {
    r.code: r.meaning for r in ROWS if (r.document, r.element) == ("APERAK", "BGM 1225")
}
APERAK_ERRORS = lookup(ROWS, "APERAK", "ERC 9321")
REASON_MAX = 500  # a reason is Text (at most 512 characters) in the contract


@dataclass(frozen=True)
class Message:
    """One message of an interchange: UNH 0062, UNH S009 0065, the segments between
    UNH and UNT, and the interchange's UNB S004 time."""

    reference: str
    type: str
    segments: list[Segment]
    sent: datetime | None = None  # the UNB S004 date and time of the interchange


@dataclass
class _Report:
    """A UCI, UCF or UCM: its level, reference, 0083 action and the errors it reports."""

    level: str
    reference: str
    action: str
    errors: list[tuple[str, str]] = field(default_factory=list)  # (0085, where)
    parent: "_Report | None" = None


def _error(code: str, where: str) -> tuple[str, str]:
    return code, f"{where}0085 {code} {SYNTAX_ERRORS.get(code, 'unknown error')}".strip()


def _report(segment: Segment, parent: _Report | None) -> _Report:
    """A UCI (0020, S002, S003, 0083, 0085, 0013), UCF (0048, S006, S007, 0083, 0085,
    0013) or UCM (0062, S009, 0083, 0085, 0013) as a _Report."""
    at = 2 if segment.tag == "UCM" else 3
    report = _Report(segment.tag, segment.get(0), segment.get(at), parent=parent)
    if not report.reference or not report.action:
        raise DocumentError(f"CONTRL {segment.tag} without reference or 0083 action code")
    if segment.get(at + 1):
        tag = segment.get(at + 2)
        report.errors.append(_error(segment.get(at + 1), f"in {tag}: " if tag else ""))
    return report


def read_contrl(message: Message, notes: list[str]) -> list[Statement]:
    """The replies of one CONTRL message (see the module docstring); raises
    DocumentError when it does not start with UCI or names an unknown 0083 code."""
    segments = message.segments
    if not segments or segments[0].tag != "UCI":
        raise DocumentError(f"CONTRL {message.reference} does not start with UCI")
    uci = _report(segments[0], None)
    groups: list[tuple[_Report, list[_Report]]] = []
    ucms: list[_Report] = []
    current = uci
    for segment in segments[1:]:
        if segment.tag == "UCF":
            current = _report(segment, uci)
            groups.append((current, []))
        elif segment.tag == "UCM":
            current = _report(segment, groups[-1][0] if groups else uci)
            ucms.append(current)
            if groups:
                groups[-1][1].append(current)
        elif segment.tag == "UCS":
            current.errors.append(_error(segment.get(1), f"segment {segment.get(0)}: "))
        elif segment.tag == "UCD":
            where = (
                ":".join(c for c in segment.elements[1] if c) if len(segment.elements) > 1 else ""
            )
            current.errors.append(_error(segment.get(0), f"element {where}: "))
    answered = uci.reference
    replies: list[Reply | None] = []
    prefix = f"{message.reference}:"
    for ucm in ucms:
        replies.append(_reply(ucm, f"{answered}.{ucm.reference}", False, prefix, notes))
    for ucf, members in groups:
        if not members:
            replies.append(_reply(ucf, answered, True, prefix, notes))
    if not ucms and not groups:
        replies.append(_reply(uci, answered, True, prefix, notes))
    elif ucms and uci.action == "7":
        notes.append(f"CONTRL UCI {answered} 7: messages without UCM acknowledged implicitly")
    return [r for r in replies if r is not None]


def _reply(
    report: _Report, message_id: str, group: bool, prefix: str, notes: list[str]
) -> Reply | None:
    """The Reply of one report; a rejecting UCI or UCF above it decides instead (0083 4:
    "this level and all lower levels rejected")."""
    decider = report
    parent = report.parent
    while parent is not None:
        if ACTIONS.get(parent.action) is Outcome.FAILED:
            decider = parent
        parent = parent.parent
    action = decider.action
    if action not in ACTIONS:
        raise DocumentError(f"CONTRL {decider.level} 0083 {action!r} is not an action code")
    outcome = ACTIONS[action]
    if not isinstance(outcome, Outcome):
        notes.append(f"CONTRL {report.level} {report.reference} 0083 {action}: no event")
        return None
    errors = report.errors + (decider.errors if decider is not report else [])
    failed = outcome is Outcome.FAILED
    reason = None
    if errors or failed:
        head = f"{decider.level} {decider.reference} 0083 {action}: {MEANINGS[action]}"
        reason = "; ".join([head, *dict.fromkeys(text for _, text in errors)])[:REASON_MAX]
    return Reply(
        message_id=message_id,
        outcome=outcome,
        evidence=CONTRL_EVIDENCE[action],
        key=f"{prefix}{report.level}:{report.reference}",
        group=group,
        code=(errors[0][0] if errors else action) if failed else None,
        reason=reason,
    )


def free_text(ftx: Segment) -> str:
    """FTX C108 free text (4440 x 5), joined."""
    return " ".join(c for c in (ftx.elements[3] if len(ftx.elements) > 3 else []) if c)


def read_aperak(message: Message, notes: list[str]) -> list[Statement]:
    """One Reply per RFF+ACW of an APERAK (see the module docstring). Raises
    DocumentError without BGM or RFF+ACW, or on a bad DTM 137."""
    segments = message.segments
    bgm = next((s for s in segments if s.tag == "BGM"), None)
    if bgm is None:
        raise DocumentError(f"APERAK {message.reference} has no BGM")
    first_erc = next((i for i, s in enumerate(segments) if s.tag == "ERC"), len(segments))
    head, detail = segments[:first_erc], segments[first_erc:]
    answered = [s.get(0, 1) for s in head if s.tag == "RFF" and s.get(0) == "ACW" and s.get(0, 1)]
    if not answered:
        raise DocumentError(f"APERAK {message.reference} names no sent message: no RFF+ACW")
    dtm = next((s for s in head if s.tag == "DTM" and s.get(0) == "137"), None)
    time = document_time(dtm, message.sent, f"APERAK {message.reference} DTM 137")
    errors: list[tuple[str, list[str]]] = []
    for segment in detail:
        if segment.tag == "ERC":
            errors.append((segment.get(0), []))
        elif segment.tag == "FTX" and errors and free_text(segment):
            errors[-1][1].append(free_text(segment))
    function = bgm.get(2)
    if function in APERAK_FUNCTIONS:
        decided = APERAK_FUNCTIONS[function]
    else:
        decided = APERAK_ERRORS["present" if errors else "absent"]
    assert isinstance(decided, Outcome)  # every APERAK row has an outcome
    outcome = decided
    failed = outcome is Outcome.FAILED
    meaning = APERAK_MEANINGS.get(function, "")
    parts = [f"APERAK BGM 1225 {function} {meaning}".strip() if function else "APERAK"]
    parts += [f"ERC {code}" + (f": {' '.join(texts)}" if texts else "") for code, texts in errors]
    reason = "; ".join(parts)[:REASON_MAX] if failed or errors else None
    return [
        Reply(
            message_id=reference,
            outcome=outcome,
            evidence=APERAK_EVIDENCE[outcome],
            key=f"{message.reference}:APERAK:{reference}",
            time=time,
            group="." not in reference,
            code=(errors[0][0] if errors else function) if failed else None,
            reason=reason,
        )
        for reference in answered
    ]
