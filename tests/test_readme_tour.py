"""The README's two-minute tour (issue 11) asks for nothing but curl and the virtualenv,
writes only under .cache/, and names commands and endpoints that exist. Its run against a
real service is tests/integration/test_tour_and_logs.py."""

import json
import re
from pathlib import Path

import typer

from services.cli import app

ROOT = Path(__file__).resolve().parents[1]
# Coreutils the tour may use besides curl, the venv and the shell's own words.
ALLOWED = {
    "make",
    "export",
    "pp",
    "curl",
    "date",
    "ls",
    "head",
    "cat",
    ".venv/bin/potrack",
    ".venv/bin/python",
}


def tour_commands(readme: Path = ROOT / "README.md") -> list[str]:
    """The lines of the first ```sh block under "## A two-minute tour" (a line that starts
    with a space continues a quoted Python program of the line before)."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("\n## A two-minute tour\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()


def shell_lines() -> list[str]:
    """The tour's shell lines without comments, the quoted Python folded away."""
    joined = "\n".join(tour_commands())
    joined = re.sub(r"'[^']*'", "'...'", joined)  # single-quoted text: no commands in it
    return [re.sub(r"\s#\s.*$", "", line).strip() for line in joined.splitlines()]


def programs() -> set[str]:
    """The first word of every simple command of the tour."""
    found = set()
    for line in shell_lines():
        for part in re.split(r"\||;|\$\(|\{|\}|&&|\|\|", line):
            words = [w for w in part.split() if not re.match(r"^\w+=", w)]  # X=... assigns
            if words and words[0] not in (")", "()"):
                found.add(words[0].removesuffix("()"))
    return found


def test_the_tour_needs_only_curl_and_the_venv() -> None:
    assert "jq" not in "\n".join(tour_commands())
    assert {"curl", ".venv/bin/potrack", ".venv/bin/python"} <= programs()
    assert programs() <= ALLOWED, sorted(programs() - ALLOWED)


def test_the_tour_writes_only_under_the_cache() -> None:
    targets = [t for line in shell_lines() for t in re.findall(r"(?<![-\d])>\s*(\S+)", line)]
    assert targets, "the tour saves yesterday's views"
    assert all(t.startswith(".cache/") for t in targets), targets


def test_every_potrack_command_of_the_tour_exists() -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    used = {m for line in shell_lines() for m in re.findall(r"\.venv/bin/potrack (\S+)", line)}
    assert used >= {"status", "audit", "replay", "forecast"}
    assert used <= set(commands), sorted(used - set(commands))


def test_every_endpoint_of_the_tour_exists() -> None:
    paths = json.loads((ROOT / "schemas" / "openapi.json").read_text())["paths"]
    routes = [re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$") for p in paths]
    text = "\n".join(tour_commands())
    used = {u.split("?")[0] for u in re.findall(r"localhost:8080(/[^\s'\"|]*)", text)}
    assert {"/pos/$PO", "/alerts"} <= used
    for path in used:
        concrete = path.replace("$PO", "PO-1").replace('"', "")
        concrete += "PO-1" if concrete.endswith("/") else ""  # "/pos/" + a PO number
        assert any(r.match(concrete) for r in routes), f"no endpoint {path}"
