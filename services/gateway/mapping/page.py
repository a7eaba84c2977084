"""The mapping page (docs/b2b-mapping.md), rendered from every format's rows."""

from services.gateway.mapping import Code, cxml, edifact, mail, x12

FORMAT_TITLES = {
    "x12": "X12 (997, 999, TA1, 855, 865)",
    "edifact": "EDIFACT (CONTRL, APERAK, ORDRSP)",
    "cxml": "cXML (StatusUpdateRequest, ConfirmationRequest)",
    "email": "Email (DSN, MDN, AS2 MDN)",
}


def all_rows() -> tuple[Code, ...]:
    """Every row of every format, in the order of `FORMAT_TITLES`."""
    return (*x12.ROWS, *edifact.ROWS, *cxml.ROWS, *mail.ROWS)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: tuple[Code, ...]) -> str:
    """docs/b2b-mapping.md: one table per format (generated; `potrack schemas` writes it)."""
    lines = [
        "# B2B codes and what potrack makes of them",
        "",
        "Generated from `services/gateway/mapping/` by `potrack schemas`; do not edit. The",
        "gateway reads its lookups from the same rows, so this page and the code agree.",
        "How documents are correlated with what was sent, and the time and identity of the",
        "events they become, is in docs/contract.md §2b and README (B2B documents).",
    ]
    for fmt, title in FORMAT_TITLES.items():
        lines += ["", f"## {title}", "", "| document | element | code | meaning | becomes |"]
        lines.append("|---|---|---|---|---|")
        lines += [
            f"| {r.document} | {_cell(r.element)} | `{_cell(r.code)}` | {_cell(r.meaning)} "
            f"| {_cell(r.becomes)} |"
            for r in rows
            if r.format == fmt
        ]
    return "\n".join(lines) + "\n"
