"""The checks of `make chaos` themselves: each passes a consistent case and fails an
inconsistent one (pure functions, no infrastructure; part of `make test`). Also the pure
parts around them: the fault plan, the CHAOS_* settings and the webhook parsing."""

import itertools
import os
import subprocess
import sys
from collections import Counter

import pytest

from tests.chaos import checks
from tests.chaos.checks import OutRecord
from tests.chaos.collect import delivered_notifications
from tests.chaos.config import SettingError, load
from tests.chaos.faults import plan
from tests.chaos.processes import ROOT
from tests.chaos.report import checks_table

A, B, C = ("urn:s", "1"), ("urn:s", "2"), ("urn:s", "3")


def test_stored_once_passes_when_each_sent_event_is_stored_once() -> None:
    check = checks.stored_once(
        {"PO-1": {A, B}, "PO-2": {C}}, {"PO-1": [A, B], "PO-2": [C]}, {"PO-1": 2, "PO-2": 1}
    )
    assert check.passed and check.looked_at == 3


@pytest.mark.parametrize(
    ("stored", "versions", "says"),
    [
        ({"PO-1": [A, B, A]}, {"PO-1": 3}, "stored more than once"),
        ({"PO-1": [A]}, {"PO-1": 1}, "not stored"),
        ({"PO-1": [A, B, C]}, {"PO-1": 3}, "never sent"),
        ({"PO-1": [A, B]}, {"PO-1": 3}, "version 3"),
    ],
)
def test_stored_once_fails_on_a_repeat_a_loss_an_extra_or_a_wrong_version(
    stored: dict[str, list[tuple[str, str]]], versions: dict[str, int], says: str
) -> None:
    check = checks.stored_once({"PO-1": {A, B}}, stored, versions)
    assert not check.passed
    assert any(says in m for m in check.misses), check.misses


def test_views_equal_rebuild_compares_row_multisets_per_table() -> None:
    rows = {"po_status": [{"po_number": "PO-1", "version": 2}], "audit": []}
    assert checks.views_equal_rebuild(rows, {k: list(v) for k, v in rows.items()}).passed
    other = {"po_status": [{"po_number": "PO-1", "version": 3}], "audit": []}
    check = checks.views_equal_rebuild(rows, other)
    assert not check.passed and check.figures["mismatched rows"] == 2
    assert "po_status: 1 row(s) only live, 1 only rebuilt" in check.misses[0]
    assert not checks.views_equal_rebuild(rows, {"po_status": rows["po_status"]}).passed


def record(topic: str, offset: int, key: str, data: dict[str, object], id_: str = "") -> OutRecord:
    return OutRecord(topic, 0, offset, key, id_ or f"id{offset}", "t", data)


def test_latest_equals_view_takes_the_highest_version_of_a_status() -> None:
    status = [
        record("s", 1, "PO-1", {"version": 2, "status": "sent"}),
        record("s", 2, "PO-1", {"version": 1, "status": "approved"}),  # late, older version
    ]
    views: dict[str, dict[str, dict[str, object]]] = {
        "status": {"PO-1": {"version": 2, "status": "sent"}},
        "commitments": {},
        "alerts": {},
    }
    assert checks.latest_equals_view(status, [], [], views).passed
    views["status"]["PO-1"] = {"version": 2, "status": "acknowledged"}
    check = checks.latest_equals_view(status, [], [], views)
    assert not check.passed and "fields status" in check.misses[0]


def test_latest_equals_view_fails_on_an_unpublished_view_and_an_unknown_key() -> None:
    alerts = [record("a", 1, "PO-1", {"alert_id": "x", "severity": "warning"})]
    views: dict[str, dict[str, dict[str, object]]] = {
        "status": {},
        "commitments": {"PO-2": {"state": "open"}},
        "alerts": {"x": {}},
    }
    check = checks.latest_equals_view([], [], alerts, views)
    assert len(check.misses) == 2  # alert x differs; commitment of PO-2 never published
    views = {"status": {}, "commitments": {}, "alerts": {}}
    assert "not in the view" in checks.latest_equals_view([], [], alerts, views).misses[0]


def test_dead_letters_once() -> None:
    bad = {("in", 0, 5), ("in", 1, 7)}
    injected = {("docs", 0, 3)}
    assert checks.dead_letters_once(
        [("in", 0, 5), ("in", 1, 7), ("docs", 0, 3)], bad, injected
    ).passed
    twice = checks.dead_letters_once(
        [("in", 0, 5), ("in", 0, 5), ("in", 1, 7), ("docs", 0, 3)], bad, injected
    )
    assert not twice.passed and twice.figures["duplicates"] == 1
    assert "in/0/5 2 times" in twice.misses[0]
    lost = checks.dead_letters_once([("in", 0, 5), ("in", 1, 7)], bad, injected)
    assert "without a dead letter" in lost.misses[0]
    good = checks.dead_letters_once([("in", 0, 5), ("in", 1, 7), ("in", 2, 1)], bad, set())
    assert "of records that decode" in good.misses[0]


def test_alert_transitions_once() -> None:
    once = [record("a", 1, "PO-1", {}, "h1"), record("a", 2, "PO-1", {}, "h2")]
    assert checks.alert_transitions_once(once, ledger=2).passed
    twice = [*once, record("a", 3, "PO-1", {}, "h1")]
    check = checks.alert_transitions_once(twice, ledger=2)
    assert not check.passed and "id h1 at 0/1, 0/3" in check.misses[0]
    assert not checks.alert_transitions_once(once, ledger=3).passed


def test_notifications_delivered_allows_one_repeat_per_kill_of_the_notifier() -> None:
    expected = Counter({("x", "raised", 1): 1, ("y", "resolved", 1): 1})
    once = [("x", "raised", 1), ("y", "resolved", 1)]
    assert checks.notifications_delivered(expected, once, notifier_kills=0).passed
    repeated = [*once, ("x", "raised", 1)]
    assert checks.notifications_delivered(expected, repeated, notifier_kills=1).passed
    assert "more than the 0" in checks.notifications_delivered(expected, repeated, 0).misses[0]
    lost = checks.notifications_delivered(expected, once[:1], notifier_kills=3)
    assert "never delivered" in lost.misses[0]
    stray = checks.notifications_delivered(expected, [*once, ("z", "raised", 2)], 3)
    assert "no rule routed" in stray.misses[0]


def test_a_webhook_body_names_its_alert_transition_and_level() -> None:
    bodies = [
        {"title": "[potrack] PO-1 r1 · delivery failed · critical · escalation level 3",
         "message": "...\n  Alert abc123\n"},
        {"title": "[potrack] PO-1 r1 · delivery failed · resolved", "message": "Alert abc123"},
    ]  # fmt: skip
    assert delivered_notifications(bodies) == [("abc123", "raised", 3), ("abc123", "resolved", 1)]


def test_the_fault_plan_is_seeded_spread_and_complete() -> None:
    faults = plan(100, 10, ["a", "b"], seed=1)
    assert faults == plan(100, 10, ["a", "b"], seed=1)
    kills = [f for f in faults if f.action == "kill"]
    assert len(kills) == 10 and all(5 <= f.at <= 90 for f in kills)
    assert {f.victim for f in kills} == {"a", "b"}  # each process at least once
    assert all(b.at - a.at >= 2 for a, b in itertools.pairwise(kills))
    assert [f.action for f in faults].count("broker") == 1
    assert [f.action for f in faults].count("postgres") == 1
    with pytest.raises(ValueError, match="do not fit"):
        plan(30, 20, ["a"], seed=1)


def test_chaos_settings_say_what_is_wrong_in_one_line() -> None:
    assert load({}).events == 20_000 and load({"CHAOS_EVENTS": "3000"}).rate == 10
    for env, says in [
        ({"CHAOS_EVENTS": "many"}, "CHAOS_EVENTS='many': expected a number from 100"),
        ({"CHAOS_EVENTS": "1e9"}, "CHAOS_EVENTS='1e9': expected a number"),
        ({"CHAOS_KILLS": "50", "CHAOS_SECONDS": "60"}, "CHAOS_KILLS=50: at most one kill per 3 s"),
        ({"CHAOS_KEEP": "yes"}, "CHAOS_KEEP='yes': expected 0 or 1"),
    ]:
        with pytest.raises(SettingError, match="^" + says.replace("(", r"\(")):
            load(env)


def test_the_report_marks_a_failed_check_and_lists_its_misses() -> None:
    ok, bad = checks.Check("a. fine", 3), checks.Check("b. broken", 2, ["x differs"])
    table = checks_table([ok, bad])
    assert "| a. fine | 3 | - | 0 | pass |" in table
    assert "| b. broken | 2 | - | 1 | **FAIL** |" in table and "- b: x differs" in table


def test_make_chaos_refuses_a_bad_setting_with_one_line_and_exit_2() -> None:
    env = {**os.environ, "CHAOS_EVENTS": "many"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.chaos"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == "error: CHAOS_EVENTS='many': expected a number from 100 to 200000\n"
    assert done.stdout == ""
