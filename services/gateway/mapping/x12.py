"""X12 codes -> potrack events, read by `services.gateway.formats.x12` (§2b).

Code lists are the X12 data element dictionary's (as of 004010; 668 R9 and 670 QC come
from later releases): 717 Transaction Set Acknowledgment Code (AK501, IK501), 715 Functional Group
Acknowledge Code (AK901), I17 Interchange Acknowledgment Code (TA104), 353 Transaction Set
Purpose Code (BAK01, BCA01), 587 Acknowledgment Type (BAK02, BCA02), 668 Line Item Status
Code (ACK01) and 670 Change or Response Type Code (POC02).

Choices where the standard leaves one (each stated in its row's `becomes`):
- TA1 A/E -> po.delivered, not po.received: a TA1 says the interchange envelope reached
  the receiver's translator, not that its transaction sets passed the syntax checks (the
  997/999 says that), so it is §2's "reached the recipient's ... system".
- AK901 P (partially accepted) without AK2 loops names no set: no event, a note.
- 587 codes decide by themselves, except those whose meaning says the lines carry the
  detail (`LINE_RULE`): AC, AD and ZZ ("detail": every line is listed) and AE
  ("exceptions": only the exceptions are). The reader refines their decision by the line
  statuses: every listed line rejected -> rejected (not for "exceptions"), some line not
  accepted -> accepted_with_changes, all accepted -> accepted (AC: still with changes).
- 668 hold codes (IF, IH, IW) decide nothing yet: the line is left out, with a note.
- RO (rejected with counter offer) is a rejection: nothing ships unless the buyer
  revises the order; the counter offer is in the line detail.
"""

from enum import StrEnum

from schemas.status import Decision, LineDecision
from services.gateway.mapping import Code
from services.gateway.statements import Outcome

_EVENT = {
    Outcome.DELIVERED: "po.delivered",
    Outcome.RECEIVED: "po.received",
    Outcome.FAILED: "po.delivery_failed, permanent",
}
#: (document, element, code) -> evidence of each row whose result is an Outcome
EVIDENCE: dict[tuple[str, str, str], str] = {}


def _row(doc: str, element: str, code: str, meaning: str, result: StrEnum | None, why: str) -> Code:
    if isinstance(result, Outcome):
        slug = {"A": "accepted", "E": "accepted-with-errors"}.get(code, "rejected")
        EVIDENCE[(doc, element, code)] = evidence = f"edi-{doc.lower()}-{slug}"
        becomes = f"{_EVENT[result]} (evidence {evidence}){'; ' + why if why else ''}"
    elif result is None:
        becomes = why
    elif isinstance(result, Decision):
        becomes = f"po.acknowledged, decision {result.value}{'; ' + why if why else ''}"
    else:
        becomes = f"line decision {result.value}{'; ' + why if why else ''}"
    return Code("x12", doc, element, code, meaning, result, becomes)


_717 = (  # Transaction Set Acknowledgment Code
    ("A", "Accepted", Outcome.RECEIVED),
    ("E", "Accepted But Errors Were Noted", Outcome.RECEIVED),
    ("M", "Rejected, Message Authentication Code (MAC) Failed", Outcome.FAILED),
    ("R", "Rejected", Outcome.FAILED),
    ("W", "Rejected, Assurance Failed Validity Tests", Outcome.FAILED),
    ("X", "Rejected, Content After Decryption Could Not Be Analyzed", Outcome.FAILED),
)
_SET = "for the set AK202 answers: message id <AK102>.<AK202>"
_FAIL = "code = the code, reason = its meaning and the AK/IK error notes"
_GROUP = "for every set of group AK102 (message ids <AK102>.*) when no AK2 loop follows"
_OVERRIDE = "; with AK2 loops it overrides an accepting AK5/IK5; code = the code"
_PARTIAL = (
    "no event for the group: AK5/IK5 decide each answered set; without AK2 loops it does "
    "not say which set was rejected (a note)"
)
_TA1 = (  # I17 Interchange Acknowledgment Code
    ("A", "Interchange header and trailer received, no errors", Outcome.DELIVERED),
    ("E", "Received and accepted, errors noted: the sender must not resend", Outcome.DELIVERED),
    ("R", "Interchange header and trailer rejected because of errors", Outcome.FAILED),
)
_TA1_WHY = (
    "for every set of group TA101 (message ids <TA101>.*): relies on the sender numbering "
    "GS06 like ISA13"
)
_353 = (  # Transaction Set Purpose Code: purposes read as an acknowledgment
    ("00", "Original"),
    ("04", "Change"),
    ("05", "Replace"),
    ("06", "Confirmation"),
    ("07", "Duplicate"),
    ("18", "Reissue"),
    ("22", "Information Copy"),
)
_353_WHY = "read; the decision is the {}'s (any other purpose, e.g. 01 Cancellation: dead letter)"
_DETAIL, _EXCEPTIONS = "detail", "exceptions"
#: 587 codes whose decision the line statuses refine, and how (module docstring)
LINE_RULE: dict[str, str] = {"AC": _DETAIL, "AD": _DETAIL, "ZZ": _DETAIL, "AE": _EXCEPTIONS}
_587 = (  # Acknowledgment Type
    ("AC", "Acknowledge - With Detail and Change", Decision.ACCEPTED_WITH_CHANGES),
    ("AD", "Acknowledge - With Detail, No Change", Decision.ACCEPTED),
    ("AE", "Acknowledge - With Exception Detail Only", Decision.ACCEPTED),
    ("AH", "Acknowledge - Hold Status", None),
    ("AK", "Acknowledge - No Detail or Change", Decision.ACCEPTED),
    ("AP", "Acknowledge - Product Replenishment", Decision.ACCEPTED),
    ("AT", "Accepted", Decision.ACCEPTED),
    ("NA", "No Acknowledgment Needed", None),
    ("RD", "Reject with Detail", Decision.REJECTED),
    ("RF", "Reject with Exception Detail Only", Decision.REJECTED),
    ("RJ", "Rejected - No Detail", Decision.REJECTED),
    ("RN", "Rejected - Not as Agreed", Decision.REJECTED),
    ("RO", "Rejected With Counter Offer", Decision.REJECTED),
    ("RV", "Rejected - Violates Industry Practices", Decision.REJECTED),
    ("ZZ", "Mutually Defined", None),
)
_587_WHY = {
    "AC": "rejected when every line is rejected",
    "AD": "refined by the lines: all rejected -> rejected, any not accepted -> "
    "accepted_with_changes",
    "AE": "any listed line not accepted -> accepted_with_changes",
    "AH": "no event: nothing decided yet (a note)",
    "NA": "no event: the partner asks for no acknowledgment (a note)",
    "ZZ": "decided by the lines as AD (so is an 865 without BCA02); no lines: no event",
}
_668 = (  # Line Item Status Code
    ("AA", "Item Accepted - Order Forwarded to Alternate Supplier Location", "accepted"),
    ("AC", "Item Accepted and Shipped", "accepted"),
    ("AR", "Item Accepted and Released for Shipment", "accepted"),
    ("BP", "Item Accepted - Partial Shipment, Balance Backordered", "backordered"),
    ("DR", "Item Accepted - Date Rescheduled", "changed"),
    ("IA", "Item Accepted", "accepted"),
    ("IB", "Item Backordered", "backordered"),
    ("IC", "Item Accepted - Changes Made", "changed"),
    ("ID", "Item Deleted", "rejected"),
    ("IE", "Item Accepted, Price Pending", "accepted"),
    ("IF", "Item on Hold, Incomplete Description", None),
    ("IH", "Item on Hold", None),
    ("IP", "Item Accepted - Price Changed", "changed"),
    ("IQ", "Item Accepted - Quantity Changed", "changed"),
    ("IR", "Item Rejected", "rejected"),
    ("IS", "Item Accepted - Substitution Made", "changed"),
    ("IW", "Item on Hold-Waiver Required", None),
    ("R1", "Item Rejected, Not a Contract Item", "rejected"),
    ("R2", "Item Rejected, Invalid Item Product Number", "rejected"),
    ("R3", "Item Rejected, Invalid Unit of Issue", "rejected"),
    ("R4", "Item Rejected, Contract Item not Available", "rejected"),
    ("R5", "Item Rejected, Reorder Item as a Just in Time (JIT) Order", "rejected"),
    ("R6", "Item Rejected, Reorder Item as an Extended Delivery Order (EDO)", "rejected"),
    ("R7", "Item Rejected, Reorder Item as a Drop Shipment", "rejected"),
    ("R8", "Item Rejected, Reorder Item as a Surge Order", "rejected"),
    ("R9", "Item Discontinued", "rejected"),
    ("SP", "Item Accepted - Schedule Date Pending", "accepted"),
)
_668_WHY = "quantity ACK02, promised_date ACK05"
_HOLD = "no line decision yet: the line is left out (a note)"
_CHANGES = (
    ("AI", "Add Additional Item(s)"),
    ("CA", "Changes To Line Items"),
    ("CB", "Change of Date Terms"),
    ("CC", "Changes To Terms"),
    ("CE", "Changes To Item Level Allowance/Charges"),
    ("CG", "Changes To Total Level Allowance/Charges"),
    ("CT", "Change of Dates"),
    ("MU", "(Multiple) For Unit Price Quantity Reschedule Change"),
    ("PC", "Price Change"),
    ("PQ", "Unit Price/Quantity Change"),
    ("PR", "Unit Price/Reschedule Change"),
    ("QC", "Quantity Change"),
    ("QD", "Quantity Decrease"),
    ("QI", "Quantity Increase"),
    ("RA", "Replace Mode of Shipment"),
    ("RB", "Replace All Dates"),
    ("RE", "Replacement Item"),
    ("RM", "Replacement Item with Modifications"),
    ("RQ", "Reschedule/Quantity Change"),
    ("RS", "Reschedule"),
    ("RZ", "Replace All Values"),
    ("TI", "Transfer Item"),
)
_670 = (  # Change or Response Type Code, for a POC loop without ACK
    *((c, m, "changed") for c, m in _CHANGES),
    ("CF", "Cancel Previously Transmitted Purchase Order", "rejected"),
    ("DI", "Delete Item(s)", "rejected"),
    ("RC", "Reject Item Change", "rejected"),
    ("NC", "Concurrent Item (No Change)", "accepted"),
)
_670_WHY = "when the POC loop has no ACK; quantity POC03, unit_price POC06"

# fmt: off
ROWS: tuple[Code, ...] = (
    *(_row(d, e, c, m, r, _SET + ("; " + _FAIL if r is Outcome.FAILED else ""))
      for d, e in (("997", "AK501"), ("999", "IK501")) for c, m, r in _717),
    *(_row(d, "AK901", c, m, r, _GROUP + (_OVERRIDE if r is Outcome.FAILED else ""))
      for d in ("997", "999") for c, m, r in _717),
    *(_row(d, "AK901", "P", "Partially Accepted, At Least One Transaction Set Was Rejected",
           None, _PARTIAL) for d in ("997", "999")),
    *(_row("TA1", "TA104", c, m, r, _TA1_WHY) for c, m, r in _TA1),
    *(_row("855", "BAK01", c, m, None, _353_WHY.format("BAK02")) for c, m in _353),
    *(_row("865", "BCA01", c, m, None, _353_WHY.format("BCA02")) for c, m in _353),
    _row("865", "BCA01", "19", "Seller initiated change", None, _353_WHY.format("BCA02")),
    *(_row(d, e, c, m, r, _587_WHY.get(c, ""))
      for d, e in (("855", "BAK02"), ("865", "BCA02")) for c, m, r in _587),
    *(_row(d, "ACK01", c, m, LineDecision(r) if r else None, _668_WHY if r else _HOLD)
      for d in ("855", "865") for c, m, r in _668),
    *(_row("865", "POC02", c, m, LineDecision(r), _670_WHY) for c, m, r in _670),
)
# fmt: on
