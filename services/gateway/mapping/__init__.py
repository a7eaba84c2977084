"""The mapping of B2B codes to potrack events: one table per format, in this package.

Each row says which element and code of which document becomes which evidence or
decision. The readers take their lookups from these rows (`lookup`), and
`docs/b2b-mapping.md` is generated from them (`page.py`, by `potrack schemas`), so the
code and the page a partner manager reads cannot disagree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Code:
    """One row: in `document`, `element` = `code` (the standard's `meaning`) -> `result`.

    `result` is an `Outcome`, a `Decision` or a `LineDecision` value (or None: the code
    produces no event); `becomes` is what a reader sees in the docs, e.g.
    ``po.received (evidence edi-997-accepted)``.
    """

    format: str
    document: str
    element: str
    code: str
    meaning: str
    result: StrEnum | None
    becomes: str


def lookup(rows: Iterable[Code], document: str, element: str) -> dict[str, StrEnum | None]:
    """{code: result} of the rows of one document and element; KeyError if none match."""
    found = {r.code: r.result for r in rows if r.document == document and r.element == element}
    if not found:
        raise KeyError(f"no mapping rows for {document} {element}")
    return found
