"""The printed outcome of a chaos run: a Markdown table of figures and one of the checks
(pure: text from numbers), ready to paste into RELIABILITY.md."""

from collections.abc import Mapping, Sequence

from tests.chaos.checks import Check


def figures_table(figures: Mapping[str, object]) -> str:
    """| figure | value | rows, in the given order."""
    lines = ["| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in figures.items()]
    return "\n".join(lines)


def checks_table(checks: Sequence[Check]) -> str:
    """| check | looked at | duplicates | mismatches | result | rows, then each miss."""
    lines = [
        "| check | looked at | duplicates | misses | result |",
        "|---|---|---|---|---|",
    ]
    for c in checks:
        dup = c.figures.get("duplicates", "-")
        result = "pass" if c.passed else "**FAIL**"
        lines.append(f"| {c.name} | {c.looked_at} | {dup} | {len(c.misses)} | {result} |")
    details = [f"- {c.name.split('.')[0]}: {m}" for c in checks for m in c.misses[:5]]
    more = sum(max(0, len(c.misses) - 5) for c in checks)
    if details:
        lines += ["", "Misses:", *details]
    if more:
        lines.append(f"- ... and {more} more")
    return "\n".join(lines)
