"""Write the read API's OpenAPI document (schemas/openapi.json) deterministically."""

import json
import sys
from pathlib import Path
from typing import Any

from services.api.app import create_app
from services.settings import Settings

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"


def openapi_document() -> dict[str, Any]:
    """The document the app serves at /openapi.json (independent of runtime settings)."""
    # Routes touch the store and database only when called: none is needed to describe them.
    app = create_app(Settings(api_token=None, sla_file=None), None, None)  # type: ignore[arg-type]
    return app.openapi()


def render_openapi() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_openapi(path: Path | str = DEFAULT_PATH) -> Path:
    """Write the document to `path` (sorted keys, indent 2); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_openapi(), encoding="utf-8")
    return target


if __name__ == "__main__":
    print(write_openapi(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH))
