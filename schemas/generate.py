"""Generate the published message schemas from the pydantic models.

    python -m schemas.generate           # (re)write the files
    python -m schemas.generate --check   # exit 1, listing the stale files, if any differ

Writes, under this package's directory:

- `jsonschema/<type>.json`: JSON Schema (2020-12) of each CloudEvent type as a whole
  (structured mode: the Kafka value), inbound and outbound;
- `jsonschema/<type>.data.json`: JSON Schema of its `data` (binary mode: the Kafka value);
- `asyncapi.json`: an AsyncAPI 3.0 document of potrack's Kafka interface (docs/contract.md §1-5).

Output is a pure function of the models: sorted keys, indent 2, trailing newline, no
timestamps, so the committed files can be compared with a fresh generation.
"""

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from schemas.asyncapi import asyncapi
from schemas.jsonschemas import (
    ASYNCAPI_FILE,
    INBOUND_ROUTES,
    JSONSCHEMA_DIR,
    REGENERATE,
    ROOT,
    json_schemas,
)

__all__ = [
    "ASYNCAPI_FILE",
    "INBOUND_ROUTES",
    "JSONSCHEMA_DIR",
    "generate",
    "main",
    "stale",
    "write",
]


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """Relative path (to this package) -> file text, for every generated file."""
    files = {f"{JSONSCHEMA_DIR}/{name}": render(s) for name, s in json_schemas().items()}
    files[ASYNCAPI_FILE] = render(asyncapi())
    return dict(sorted(files.items()))


def _on_disk(root: Path) -> set[str]:
    folder = root / JSONSCHEMA_DIR
    found = (
        {f"{JSONSCHEMA_DIR}/{p.name}" for p in folder.glob("*.json")} if folder.is_dir() else set()
    )
    return found | ({ASYNCAPI_FILE} if (root / ASYNCAPI_FILE).exists() else set())


def stale(root: Path | None = None, files: Mapping[str, str] | None = None) -> list[str]:
    """Paths that differ from a fresh generation: missing, changed, or no longer generated."""
    root = ROOT if root is None else root
    files = generate() if files is None else files
    changed = [
        path
        for path, text in files.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    return sorted({*changed, *(_on_disk(root) - set(files))})


def write(root: Path | None = None) -> list[str]:
    """Bring the files up to date; returns the paths written or removed."""
    root = ROOT if root is None else root
    files = generate()
    touched = stale(root, files)
    for path in touched:
        target = root / path
        if path in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(files[path], encoding="utf-8")
        else:
            target.unlink()
    return touched


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        if outdated:
            print(f"stale generated schemas; regenerate with: {REGENERATE}", file=sys.stderr)
            for path in outdated:
                print(f"  schemas/{path}", file=sys.stderr)
            return 1
        print("generated schemas are up to date")
        return 0
    for path in write():
        print(f"wrote schemas/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
