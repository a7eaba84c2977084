"""The notification rules `make run` writes are valid rules that mail only the local sink."""

from pathlib import Path

import pytest

from services.notify.rules import load_rules
from services.simulate.notify import notify_toml


def test_the_demo_rules_load_and_mail_only_the_local_sink(tmp_path: Path) -> None:
    path = tmp_path / "notify.toml"
    path.write_text(notify_toml(2600), encoding="utf-8")
    rules = load_rules(path)
    assert rules.mail is not None and rules.mail.url.startswith("mailto://127.0.0.1:2600?")
    targets = {t for rule in rules.rule for t in rule.targets}
    assert {"buyer", "supplier"} <= targets
    assert all(
        t in ("buyer", "supplier") or t.startswith("mailto://127.0.0.1:2600?") for t in targets
    )


def test_a_port_outside_the_range_is_refused() -> None:
    with pytest.raises(ValueError, match="1-65535"):
        notify_toml(70000)
