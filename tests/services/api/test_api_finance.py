"""GET /finance/cash-forecast (JSON and CSV, now and as_of) and GET /pos/{po}/lines, on a
real store with every projection (docs/contract.md §5, §6)."""

import csv
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.services.api.conftest import ClientFactory, World
from tests.services.api.scenario import finance_book, lines_book, rfc3339

PROBLEM = "application/problem+json"
FORECAST = "/finance/cash-forecast"
SPRING = {"from": "2025-03-01", "to": "2025-05-31"}  # three months


@pytest.fixture
def api(world: World, client: TestClient) -> TestClient:
    world.given(*finance_book())
    return client


def amounts(
    confirmed: str, open: str, disputed: str, total: str, commitments: int
) -> dict[str, Any]:
    return {
        "confirmed": confirmed,
        "open": open,
        "disputed": disputed,
        "total": total,
        "commitments": commitments,
    }


def parts(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The currencies of a forecast by code."""
    return {c["currency"]: c for c in found["currencies"]}


def buckets(currency: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A currency's buckets by their first day, without the dates."""
    return {
        b["start"]: {k: v for k, v in b.items() if k not in ("start", "end")}
        for b in currency["buckets"]
    }


JPY_NOTHING = amounts("0", "0", "0", "0", 0)
EUR_NOTHING = amounts("0.00", "0.00", "0.00", "0.00", 0)
KWD_NOTHING = amounts("0.000", "0.000", "0.000", "0.000", 0)


def test_the_issue_case_a_proposed_quantity_disputes_the_jpy_po_at_its_total(
    api: TestClient,
) -> None:
    commitment = api.get("/pos/PO-J1/commitment").json()
    assert commitment["state"] == "disputed"
    assert commitment["amount"] == "1234567"
    assert commitment["proposed_amount"] == "1058201"  # 6 * 176366 + 5: the supplier's value

    jpy = parts(api.get(FORECAST, params={"currency": "JPY"}).json())["JPY"]

    assert jpy["totals"]["disputed"] == "1234567"
    assert buckets(jpy)["2025-05-01"] == amounts("0", "0", "1234567", "1234567", 1)


def test_months_split_by_state_with_earlier_later_and_undated(api: TestClient) -> None:
    response = api.get(FORECAST, params=SPRING)

    assert response.status_code == 200
    found = response.json()
    assert found["bucket"] == "month"
    assert (found["start"], found["end"], found["as_of"]) == ("2025-03-01", "2025-05-31", None)
    cur = parts(found)
    assert list(cur) == ["EUR", "JPY", "KWD"]  # ascending; PO-E2 (cancelled) adds nothing
    assert [(c["currency"], c["minor_units"]) for c in found["currencies"]] == [
        ("EUR", 2),
        ("JPY", 0),
        ("KWD", 3),
    ]
    assert [(b["start"], b["end"]) for b in cur["EUR"]["buckets"]] == [
        ("2025-03-01", "2025-03-31"),
        ("2025-04-01", "2025-04-30"),
        ("2025-05-01", "2025-05-31"),
    ]
    assert buckets(cur["JPY"]) == {
        "2025-03-01": JPY_NOTHING,
        "2025-04-01": amounts("300000", "0", "0", "300000", 1),
        "2025-05-01": amounts("0", "0", "1234567", "1234567", 1),
    }
    assert buckets(cur["EUR"]) == {
        "2025-03-01": EUR_NOTHING,
        "2025-04-01": amounts("0.00", "1000.50", "0.00", "1000.50", 1),
        "2025-05-01": amounts("0.00", "250.00", "0.00", "250.00", 1),
    }
    assert cur["EUR"]["earlier"] == amounts("0.00", "0.00", "40.00", "40.00", 1)
    assert cur["EUR"]["later"] == amounts("0.00", "0.00", "60.00", "60.00", 1)
    assert cur["EUR"]["undated"] == amounts("0.00", "100.00", "0.00", "100.00", 1)
    assert cur["EUR"]["totals"] == amounts("0.00", "1350.50", "100.00", "1450.50", 3)
    assert buckets(cur["KWD"])["2025-05-01"] == amounts("12.500", "0.000", "0.000", "12.500", 1)
    assert cur["KWD"]["totals"] == amounts("12.500", "0.000", "0.000", "12.500", 1)
    assert cur["JPY"]["totals"] == amounts("300000", "0", "1234567", "1534567", 2)
    assert cur["JPY"]["earlier"] == cur["JPY"]["later"] == cur["JPY"]["undated"] == JPY_NOTHING


def test_iso_weeks_run_from_monday(api: TestClient) -> None:
    found = api.get(FORECAST, params={"bucket": "week", "from": "2025-04-16", "to": "2025-04-27"})

    body = found.json()
    assert body["bucket"] == "week"
    assert (body["start"], body["end"]) == ("2025-04-14", "2025-04-27")
    cur = parts(body)
    assert [(b["start"], b["end"]) for b in cur["JPY"]["buckets"]] == [
        ("2025-04-14", "2025-04-20"),
        ("2025-04-21", "2025-04-27"),
    ]
    # Saturday 2025-04-19 is in the week of Monday the 14th; Thursday the 24th in the next.
    assert buckets(cur["JPY"])["2025-04-14"] == amounts("300000", "0", "0", "300000", 1)
    assert buckets(cur["EUR"])["2025-04-21"] == amounts("0.00", "1000.50", "0.00", "1000.50", 1)
    assert cur["EUR"]["earlier"] == amounts("0.00", "0.00", "40.00", "40.00", 1)
    assert cur["EUR"]["later"] == amounts("0.00", "250.00", "60.00", "310.00", 2)
    assert cur["JPY"]["later"] == amounts("0", "0", "1234567", "1234567", 1)
    assert cur["KWD"]["later"] == amounts("12.500", "0.000", "0.000", "12.500", 1)


def test_by_default_the_buckets_span_every_dated_payment(api: TestClient) -> None:
    found = api.get(FORECAST).json()

    assert (found["start"], found["end"]) == ("2025-01-01", "2026-02-28")
    for cur in found["currencies"]:
        assert len(cur["buckets"]) == 14
        assert cur["earlier"]["commitments"] == cur["later"]["commitments"] == 0


def test_totals_are_the_commitments_by_state_as_the_contract_says(api: TestClient) -> None:
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for commitment in api.get("/commitments").json():
        if commitment["state"] != "cancelled":
            expected[commitment["currency"]][commitment["state"]] += Decimal(commitment["amount"])

    for params in ({}, SPRING, {"bucket": "week", "from": "2025-04-14", "to": "2025-04-27"}):
        found = parts(api.get(FORECAST, params=params).json())
        assert set(found) == set(expected)
        for code, by_state in expected.items():
            totals = found[code]["totals"]
            for state in ("confirmed", "open", "disputed"):
                assert Decimal(totals[state]) == by_state[state], (params, code, state)
            assert Decimal(totals["total"]) == sum(by_state.values())
            every = [*found[code]["buckets"]] + [found[code][p] for p in ("earlier", "later")]
            every.append(found[code]["undated"])
            assert sum(Decimal(b["total"]) for b in every) == Decimal(totals["total"])


def amount_values(currency: dict[str, Any]) -> list[Any]:
    """Every amount of a currency's forecast: its buckets, earlier, later, undated, totals."""
    every = [
        *currency["buckets"],
        *(currency[p] for p in ("earlier", "later", "undated", "totals")),
    ]
    return [part[k] for part in every for k in ("confirmed", "open", "disputed", "total")]


def test_amounts_are_exact_decimal_strings_padded_to_the_minor_units(api: TestClient) -> None:
    cur = parts(api.get(FORECAST, params=SPRING).json())

    for code, digits in (("JPY", 0), ("EUR", 2), ("KWD", 3)):
        values = amount_values(cur[code])
        assert all(isinstance(v, str) for v in values), code  # never JSON numbers (floats)
        assert {len(v.partition(".")[2]) for v in values} == {digits}, code
    assert cur["JPY"]["totals"]["total"] == "1534567"  # not "1534567.00", nor 1534567.0
    assert cur["KWD"]["totals"]["total"] == "12.500"


def test_one_currency_only(api: TestClient) -> None:
    found = api.get(FORECAST, params={"currency": "KWD"}).json()

    assert [c["currency"] for c in found["currencies"]] == ["KWD"]
    assert (found["start"], found["end"]) == ("2025-05-01", "2025-05-31")
    assert api.get(FORECAST, params={"currency": "USD"}).json()["currencies"] == []


def test_csv_is_the_json_in_rows(api: TestClient) -> None:
    for params in (SPRING, {"bucket": "week", "from": "2025-04-14", "to": "2025-04-27"}):
        found = api.get(FORECAST, params=params).json()
        response = api.get(FORECAST, params=params | {"format": "csv"})

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        expected = []
        for cur in found["currencies"]:
            units = str(cur["minor_units"])
            for b in cur["buckets"]:
                expected.append(
                    {"currency": cur["currency"], "minor_units": units, "part": "bucket"}
                    | {k: str(v) for k, v in b.items()}
                )
            for part, first, last in (
                ("earlier", "", _day_before(found["start"])),
                ("later", _day_after(found["end"]), ""),
                ("undated", "", ""),
                ("totals", "", ""),
            ):
                expected.append(
                    {"currency": cur["currency"], "minor_units": units, "part": part}
                    | {"start": first, "end": last}
                    | {k: str(v) for k, v in cur[part].items()}
                )
        assert rows == expected


def _day_before(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _day_after(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def test_as_of_before_the_acceptance_the_po_is_open_and_after_it_confirmed(
    api: TestClient,
) -> None:
    # PO-J2 (300000 JPY, due 2025-04-19) is accepted at minute 120.
    params = {"currency": "JPY", **SPRING}
    before = api.get(FORECAST, params=params | {"as_of": rfc3339(100)}).json()
    after = api.get(FORECAST, params=params | {"as_of": rfc3339(200)}).json()

    assert before["as_of"] == rfc3339(100)
    assert buckets(parts(before)["JPY"])["2025-04-01"] == amounts("0", "300000", "0", "300000", 1)
    assert buckets(parts(after)["JPY"])["2025-04-01"] == amounts("300000", "0", "0", "300000", 1)
    now = api.get(FORECAST, params=params).json()
    assert parts(after) == parts(now)


def test_a_commitment_as_of_an_instant(api: TestClient) -> None:
    # PO-J2 is accepted at minute 120: open before, confirmed after, as it is now.
    before = api.get("/pos/PO-J2/commitment", params={"as_of": rfc3339(100)}).json()
    after = api.get("/pos/PO-J2/commitment", params={"as_of": rfc3339(200)}).json()

    assert (before["state"], before["amount"]) == ("open", "300000")
    assert after == api.get("/pos/PO-J2/commitment").json()
    assert after["state"] == "confirmed"
    early = api.get("/pos/PO-J2/commitment", params={"as_of": rfc3339(-1)})
    assert early.status_code == 404 and "at " + rfc3339(-1) in early.json()["detail"]
    assert api.get("/pos/PO-J2/commitment", params={"as_of": "soon"}).status_code == 422


def test_as_of_before_anything_is_an_empty_forecast(api: TestClient) -> None:
    found = api.get(FORECAST, params={"as_of": rfc3339(-1)}).json()

    assert found["currencies"] == []
    assert found["start"] is None


def test_as_of_in_csv(api: TestClient) -> None:
    response = api.get(FORECAST, params={"as_of": rfc3339(100), "format": "csv", **SPRING})

    rows = list(csv.DictReader(io.StringIO(response.text)))
    april = next(r for r in rows if r["currency"] == "JPY" and r["start"] == "2025-04-01")
    assert (april["confirmed"], april["open"]) == ("0", "300000")


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"bucket": "day"}, "bucket"),
        ({"currency": "jpy"}, "currency"),
        ({"currency": "JPYX"}, "currency"),
        ({"from": "2025-05-01", "to": "2025-04-01"}, "before it starts"),
        ({"bucket": "week", "from": "2000-01-01", "to": "2025-01-01"}, "more than 520"),
        ({"from": "2025-02-30"}, "from"),
        ({"from": "2027-01-01T00:00:00Z"}, "from: a day as YYYY-MM-DD"),
        ({"to": "20270101"}, "to: a day as YYYY-MM-DD"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2025-03-03T09:00:00"}, "as_of"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_422_problems(
    api: TestClient, params: dict[str, str], says: str
) -> None:
    response = api.get(FORECAST, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert says in response.text


@pytest.mark.parametrize(
    "params",
    [
        {"bucket": "week", "from": "9999-12-27", "to": "9999-12-31"},  # the week after: year 10000
        {"from": "0001-01-01", "to": "0001-01-31", "format": "csv"},  # `earlier` ends on day 0
    ],
)
def test_buckets_past_the_calendar_are_422_not_500(api: TestClient, params: dict[str, str]) -> None:
    response = api.get(FORECAST, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert "is outside 1970-01-01 to 9100-12-31" in response.json()["detail"]


def test_a_range_in_the_past_is_422_as_of_too(api: TestClient) -> None:
    params = {"from": "2025-05-01", "to": "2025-04-01", "as_of": rfc3339(100)}
    assert api.get(FORECAST, params=params).status_code == 422


def test_520_weeks_are_allowed(api: TestClient) -> None:
    # 2015-01-05 is a Monday: 520 weeks end on Sunday 2024-12-22.
    params = {"bucket": "week", "from": "2015-01-05", "to": "2024-12-22"}
    response = api.get(FORECAST, params=params)
    assert response.status_code == 200
    assert len(response.json()["currencies"][0]["buckets"]) == 520
    params["to"] = "2024-12-23"  # a day into week 521
    assert api.get(FORECAST, params=params).status_code == 422


def test_the_forecast_needs_the_api_token(world: World, make_client: ClientFactory) -> None:
    world.given(*finance_book())
    guarded = make_client(api_token="s3cret")

    assert guarded.get(FORECAST).status_code == 401
    assert guarded.get(FORECAST, params={"format": "csv"}).status_code == 401
    assert guarded.get("/pos/PO-J1/lines").status_code == 401
    ok = guarded.get(FORECAST, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert parts(ok.json())["JPY"]["totals"]["disputed"] == "1234567"


# --- GET /pos/{po}/lines -------------------------------------------------------------------


@pytest.fixture
def lines_api(world: World, client: TestClient) -> TestClient:
    world.given(*lines_book())
    return client


def test_each_line_with_the_supplier_answer(lines_api: TestClient) -> None:
    response = lines_api.get("/pos/PO-L1/lines")

    assert response.status_code == 200
    view = response.json()
    assert (view["po_number"], view["revision"], view["currency"]) == ("PO-L1", 1, "EUR")
    assert view["supplier_id"] == "SUP-1"
    assert [ln["line"] for ln in view["lines"]] == [1, 2, 3, 4, 5]
    first = view["lines"][0]
    assert (first["quantity"], first["unit_price"], first["need_by"]) == ("4", "5.00", "2025-04-01")
    answers = {}
    for ln in view["lines"]:
        (answer,) = ln["answers"]
        assert answer["recipient"] == "S1"
        assert answer["revision"] == 1
        assert answer["acknowledged_at"] == rfc3339(60)
        assert answer["decision"] == "accepted_with_changes"
        answers[ln["line"]] = answer["deviation"]

    accepted = answers[1]
    assert accepted["decision"] == "accepted"
    assert (accepted["confirmed_quantity"], accepted["confirmed_unit_price"]) == ("4", "5.00")
    assert (accepted["days"], accepted["within_tolerance"], accepted["outside"]) == (0, True, [])

    changed = answers[2]
    assert changed["decision"] == "changed"
    assert (changed["ordered_quantity"], changed["confirmed_quantity"]) == ("10", "8")
    assert (changed["quantity_change"], changed["quantity_change_pct"]) == ("-2", "-20.00")
    assert (changed["ordered_unit_price"], changed["confirmed_unit_price"]) == ("2.50", "2.75")
    assert (changed["unit_price_change"], changed["unit_price_change_pct"]) == ("0.25", "10.00")
    assert changed["within_tolerance"] is False
    assert changed["outside"] == ["quantity", "unit_price"]

    backordered = answers[3]
    assert backordered["decision"] == "backordered"
    assert (backordered["backordered_quantity"], backordered["confirmed_quantity"]) == ("6", "6")
    assert (backordered["promised_date"], backordered["days"]) == ("2025-04-15", 14)
    assert backordered["outside"] == ["date"]

    rejected = answers[4]
    assert rejected["decision"] == "rejected"
    assert rejected["confirmed_quantity"] == "0"
    assert rejected["outside"] == ["rejected"]

    missing = answers[5]
    assert missing["decision"] == "missing"
    assert missing["confirmed_quantity"] is None
    assert missing["outside"] == ["missing"]

    (unknown,) = view["unknown_lines"]
    assert unknown["deviation"]["line"] == 9
    assert unknown["deviation"]["decision"] == "unknown"
    assert unknown["deviation"]["outside"] == ["unknown"]


def test_the_lines_of_an_unknown_po_are_a_404(lines_api: TestClient) -> None:
    response = lines_api.get("/pos/PO-NOPE/lines")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "PO-NOPE" in response.json()["detail"]
    assert lines_api.get("/pos/PO-NOPE/lines", params={"as_of": rfc3339(9)}).status_code == 404


def test_lines_as_of_before_the_acknowledgment_have_no_answers(lines_api: TestClient) -> None:
    view = lines_api.get("/pos/PO-L1/lines", params={"as_of": rfc3339(30)}).json()

    assert [ln["line"] for ln in view["lines"]] == [1, 2, 3, 4, 5]
    assert all(ln["answers"] == [] for ln in view["lines"])
    assert view["unknown_lines"] == []
    later = lines_api.get("/pos/PO-L1/lines", params={"as_of": rfc3339(60)}).json()
    assert later == lines_api.get("/pos/PO-L1/lines").json()


def test_lines_as_of_before_the_po_existed_is_a_404(lines_api: TestClient) -> None:
    response = lines_api.get("/pos/PO-L1/lines", params={"as_of": rfc3339(-1)})

    assert response.status_code == 404
    assert "at or before" in response.json()["detail"]


def test_lines_as_of_must_be_rfc3339(lines_api: TestClient) -> None:
    response = lines_api.get("/pos/PO-L1/lines", params={"as_of": "2025-03-03"})
    assert response.status_code == 422
    assert "as_of" in response.json()["detail"]
