"""The rules file: its shape, one-line errors, and which transitions go where."""

from pathlib import Path

import pytest

from services.notify.rules import load_rules, mask, parse_rules
from tests.services.notify.alerts import alert

MAIL = '[mail]\nurl = "mailto://127.0.0.1:2525?from=potrack@example.com"\n'
EXAMPLE = (
    MAIL
    + """
[[rule]]
kinds = ["acknowledgment_overdue", "delivery_failed"]
severities = ["critical"]
suppliers = ["SUP-1005"]
min_escalation = 0
transitions = ["raised"]
targets = ["buyer", "json://127.0.0.1:9000/hook"]
digest_minutes = 15

[[rule]]
kinds = ["acknowledgment_overdue"]
min_escalation = 2
targets = ["supplier"]
digest_minutes = 0

[[rule]]
transitions = ["raised", "resolved"]
targets = ["json://127.0.0.1:9000/hook"]
digest_minutes = 5
"""
)


def problem(text: str) -> str:
    with pytest.raises(ValueError) as caught:
        parse_rules(text, "notify.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("notification rules notify.toml: ")
    return message.removeprefix("notification rules notify.toml: ")


def test_the_documented_example_parses_with_its_defaults() -> None:
    rules = parse_rules(EXAMPLE, "notify.toml")

    assert len(rules.rule) == 3
    assert rules.rule[1].transitions == ["raised"]  # omitted: raised only
    assert rules.rule[2].kinds is None and rules.rule[2].severities is None
    assert rules.urls() == ["json://127.0.0.1:9000/hook"]


def test_a_rule_matches_on_kind_severity_supplier_level_and_transition() -> None:
    rules = parse_rules(EXAMPLE, "notify.toml")
    first = rules.rule[0]
    critical = alert(kind="delivery_failed", severity="critical", supplier="SUP-1005")

    assert first.matches(critical, "raised")
    assert not first.matches(critical, "resolved")
    assert not first.matches(critical.model_copy(update={"severity": "warning"}), "raised")
    assert not first.matches(critical.model_copy(update={"supplier_id": "SUP-9"}), "raised")
    assert not first.matches(critical.model_copy(update={"kind": "changes_proposed"}), "raised")
    assert not rules.rule[1].matches(alert(level=1), "raised")
    assert rules.rule[1].matches(alert(level=2), "raised")


def test_route_joins_the_targets_of_every_matching_rule_with_the_shortest_window() -> None:
    rules = parse_rules(EXAMPLE, "notify.toml")
    overdue = alert(severity="critical", supplier="SUP-1005", level=2)

    assert rules.route(overdue, "raised") == {
        "buyer": 15,
        "json://127.0.0.1:9000/hook": 5,
        "supplier": 0,
    }
    assert rules.route(overdue, "resolved") == {"json://127.0.0.1:9000/hook": 5}


def test_an_empty_file_routes_nothing() -> None:
    assert parse_rules("", "notify.toml").route(alert(), "raised") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[rule]\n", "not TOML"),
        (
            '[[rule]]\nkinds = ["late"]\ntargets = ["json://h/x"]',
            "rule 1: kinds: 'late' is not allowed (allowed: delivery_overdue, delivery_failed,",
        ),
        (
            '[[rule]]\ntargets = ["json://h/x"]\n[[rule]]\nseverities = ["low"]\n'
            'targets = ["json://h/x"]',
            "rule 2: severities: 'low' is not allowed (allowed: warning, critical)",
        ),
        (
            '[[rule]]\ntransitions = ["closed"]\ntargets = ["json://h/x"]',
            "rule 1: transitions: 'closed' is not allowed (allowed: raised, resolved)",
        ),
        (
            '[[rule]]\ntarget = ["json://h/x"]',
            "rule 1: target: unknown key (allowed: kinds, severities, suppliers,",
        ),
        ("[[rules]]\ntargets = []", "rules: unknown key (allowed: rule, mail)"),
        ("[[rule]]\ntargets = []", "rule 1: targets: List should have at least 1 item"),
        (
            '[[rule]]\ntargets = ["json://h/x"]\ndigest_minutes = -1',
            "rule 1: digest_minutes: Input should be greater than or equal to 0",
        ),
        (
            '[[rule]]\ntargets = ["buyer"]',
            "rule 1: targets: 'buyer' is sent by email: add a [mail] table",
        ),
        (
            MAIL + '[[rule]]\ntargets = ["supplier"]',
            "rule 1: targets: 'supplier' sends the supplier a reminder: it needs kinds within",
        ),
        (
            MAIL + '[[rule]]\nkinds = ["acknowledgment_overdue"]\ntransitions = ["resolved"]\n'
            'targets = ["supplier"]',
            "'supplier' sends the supplier a reminder",
        ),
        (
            '[mail]\nurl = "json://127.0.0.1:2525"',
            "mail.url: must start with mailto:// or mailtos://",
        ),
        (
            '[mail]\nurl = "mailto://127.0.0.1:2525?from=a@example.com&to=b@example.com"',
            "mail.url: must not name a recipient",
        ),
        ('[mail]\nurl = "mailto://h"\nport = 25', "mail.port: unknown key (allowed: url)"),
        ('[[rule]]\ntargets = ["nonsense"]', "rule 1: targets: 'nonsense' is neither buyer"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_rule_the_key_and_what_is_allowed(
    text: str, expected: str
) -> None:
    assert expected in problem(text)


def test_an_unusable_url_is_named_without_its_password() -> None:
    message = problem('[[rule]]\ntargets = ["nosuchservice://admin:hunter2@host:99/path"]')

    assert "'nosuchservice://host:99' is neither buyer nor supplier" in message
    assert "hunter2" not in message


def test_mask_hides_passwords_and_tokens() -> None:
    assert mask("json://user:hunter2@127.0.0.1:9000/hook?x=1") == (
        "json://user:****@127.0.0.1:9000/hook"
    )
    assert "hunter2" not in mask("mailtos://user:hunter2@smtp.example.com?from=a@example.com")
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in mask(
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
    )


def test_load_rules_reads_a_file_and_names_an_unreadable_one(tmp_path: Path) -> None:
    path = tmp_path / "notify.toml"
    path.write_text(EXAMPLE, encoding="utf-8")

    assert load_rules(None) is None
    assert load_rules(path) is not None
    with pytest.raises(ValueError, match=r"notification rules .*missing.toml: cannot read it"):
        load_rules(tmp_path / "missing.toml")
