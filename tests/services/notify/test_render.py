"""Messages for people: what they say, and that no field of an alert is ever markup."""

from typing import Any, get_args

import pytest

from schemas.views import AlertKind
from services.notify.notice import Notice
from services.notify.render import MOST_LINES, Renderer
from tests.services.notify.alerts import alert, notice

BASE = "https://potrack.example.com"
MARKUP = '<img src=x onerror="alert(1)">&amp;'


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(BASE)


def test_a_notification_says_what_is_late_since_when_who_and_links_the_po_page(
    renderer: Renderer,
) -> None:
    message = renderer.render("notification", [notice(severity="critical", level=2)])

    assert message.title == (
        "[potrack] PO-1 r1 · acknowledgment overdue · critical · escalation level 2"
    )
    assert "sup has not acknowledged purchase order PO-1 (revision 1)" in message.text
    assert "was due 2026-11-02 09:00 UTC" in message.text
    assert "Supplier: SUP-1 (Acme Parts), recipient: sup" in message.text
    assert f"{BASE}/ui/po/PO-1" in message.text
    assert f'<a href="{BASE}/ui/po/PO-1">' in message.html
    assert message.kind == "failure"


def test_a_resolution_says_when_it_was_resolved(renderer: Renderer) -> None:
    message = renderer.render("notification", [notice("resolved")])

    assert "Resolved 2026-11-02 10:00 UTC: acknowledgment overdue for sup" in message.text
    assert message.title.endswith("· resolved")
    assert message.kind == "success"


def test_a_reminder_asks_the_supplier_for_its_acknowledgment_and_names_the_buyer(
    renderer: Renderer,
) -> None:
    message = renderer.render("reminder", [notice()])

    assert message.title == "Reminder: order acknowledgment due for purchase order PO-1"
    assert message.text.startswith("Dear Acme Parts,")
    assert "Purchase order PO-1, revision 1 (sent to sup)" in message.text
    assert "Your order acknowledgment was due 2026-11-02 09:00 UTC." in message.text
    assert "Questions: buyer@example.com" in message.text
    assert "/ui/po/" not in message.text + message.html  # the dashboard is internal
    escalated = renderer.render("reminder", [notice(level=2)])
    assert escalated.title.startswith("Urgent reminder:")


def test_a_digest_lists_every_notice_and_counts_them_in_the_title(renderer: Renderer) -> None:
    notices = [notice(po=f"PO-{n}") for n in range(3)] + [notice("resolved", po="PO-0")]

    message = renderer.render("notification", notices)

    assert message.title == "[potrack] 4 alert updates on 3 purchase orders"
    assert message.text.count("* PO-") == 4
    assert message.html.count("<li") == 4


def test_a_long_digest_lists_the_first_lines_and_counts_the_rest(renderer: Renderer) -> None:
    notices = [notice(po=f"PO-{n:04d}") for n in range(MOST_LINES + 5)]

    message = renderer.render("notification", notices)

    assert message.text.count("* PO-") == MOST_LINES
    assert f"... and 5 more: {BASE}/" in message.text


def hostile() -> Notice:
    fields: dict[str, Any] = {
        "po": f"PO{MARKUP}",
        "recipient": f"r{MARKUP}",
        "supplier": f"S{MARKUP}",
        "detail": f"d{MARKUP}",
    }
    base = notice(**fields)
    return base.model_copy(
        update={
            "supplier_name": f"N{MARKUP}",
            "buyer_email": f"b{MARKUP}@example.com",
        }
    )


@pytest.mark.parametrize("message", ["notification", "reminder"])
def test_markup_in_any_field_is_escaped_in_html_and_kept_as_text(
    renderer: Renderer, message: Any
) -> None:
    rendered = renderer.render(message, [hostile(), hostile()])

    assert "<img" not in rendered.html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;amp;" in rendered.html
    assert MARKUP in rendered.text  # plain text is shown as it is
    if message == "notification":
        # the PO number in the link is URL-quoted, not markup
        assert f"{BASE}/ui/po/PO%3Cimg%20src%3Dx" in rendered.html


def test_every_kind_has_words_for_both_kinds_of_message(renderer: Renderer) -> None:
    for kind in get_args(AlertKind):
        for transition in ("raised", "resolved"):
            text = renderer.render("notification", [notice(transition, kind=kind)]).text
            assert "PO-1" in text and "{" not in text
    stale = renderer.render("reminder", [notice(kind="stale_acknowledgment")]).text
    assert "acknowledgment of an earlier revision only" in stale
    assert alert().alert_id in renderer.render("notification", [notice()]).text
