"""Restriction-stage and appeal staff pages in Chromium: axe on every page and on forms with
errors, and the journeys as each role, with JavaScript on and off."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.support import assert_accessible, check_page, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ids(live_server, demo) -> dict:
    """Ids of the demo's restriction-stage records."""
    from portal.appeals.models import Appeal
    from portal.arrangements.models import Arrangement
    from portal.restrictions.models import (
        ContactRoute,
        Restriction,
        RestrictionKind,
        RestrictionRequest,
        RestrictionStatus,
    )

    c = demo.customers
    with Session(live_server.engine) as session:
        restriction = session.scalars(
            select(Restriction)
            .where(Restriction.customer_id == c["C-100004"])
            .order_by(Restriction.id)
        ).first()
        request = session.scalars(
            select(RestrictionRequest).where(RestrictionRequest.customer_id == c["C-100008"])
        ).one()
        arrangement = session.scalars(
            select(Arrangement).where(Arrangement.customer_id == c["C-100003"])
        ).one()
        appeal = session.scalars(select(Appeal).where(Appeal.customer_id == c["C-100009"])).one()
        # Julia Nowak gets a decision of her own to appeal: the customer journeys appeal
        # Deborah's, after which (§9.4) no appeal can be lodged for her.
        today = datetime.now(ZoneInfo("Europe/London")).date()
        julia = Restriction(
            customer_id=c["C-100010"],
            kind=RestrictionKind.CHANNEL_ONLY,
            channel=ContactRoute.LETTER,
            reasons="Repeated abusive calls.",
            starts_on=today,
            review_on=today + timedelta(days=90),
            immediate_notice=True,
            status=RestrictionStatus.ACTIVE,
            approved_by_id=restriction.approved_by_id,
            approved_at=datetime.now(ZoneInfo("UTC")),
            notified_on=today,
            appeal_deadline=today + timedelta(days=28),
        )
        session.add(julia)
        session.commit()
        return {
            "deborah": c["C-100004"],
            "connor": c["C-100003"],
            "imran": c["C-100009"],
            "emeka": c["C-100005"],
            "julia": c["C-100010"],
            "restriction": restriction.id,
            "decision_letter": restriction.letter_id,
            "request": request.id,
            "arrangement": arrangement.id,
            "appeal": appeal.id,
        }


PAGES = [
    ("requests-panel", "panel", "/staff/restriction-requests"),
    ("request-glt", "glt", "/staff/restriction-requests/{request}"),
    ("request-cem", "cem", "/staff/restriction-requests/{request}"),
    ("request-new", "panel", "/staff/customers/{deborah}/restriction-requests/new"),
    ("reviews-due", "panel", "/staff/reviews"),
    ("review-form", "panel", "/staff/restrictions/{restriction}/review"),
    ("arrangement-new", "panel", "/staff/customers/{emeka}/arrangements/new"),
    ("arrangement-answer", "panel", "/staff/arrangements/{arrangement}/answer"),
    ("arrangement-end", "panel", "/staff/arrangements/{arrangement}/end"),
    ("correspondence", "panel", "/staff/customers/{imran}/correspondence"),
    ("restricted-record-colleague", "colleague", "/staff/customers/{deborah}"),
    ("restricted-record-panel", "panel", "/staff/customers/{deborah}"),
    ("terminated-record-cem", "cem", "/staff/customers/{imran}"),
    ("decision-letter", "panel", "/staff/letters/{decision_letter}"),
    ("appeals-tracker", "cem", "/staff/appeals"),
    ("appeal-cem", "cem", "/staff/appeals/{appeal}"),
    ("appeal-lodge", "cem", "/staff/customers/{julia}/appeals/new"),
    ("organisation", "admin", "/staff/admin/organisation"),
]


@pytest.mark.parametrize(("name", "role", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_passes_axe(reading_page, ids, name, role, path):
    page = reading_page(role)
    page.goto(path.format(**ids))
    check_page(page, name)


ERROR_FORMS = [
    (
        "request-errors",
        "panel",
        "/staff/customers/{deborah}/restriction-requests/new",
        "main form button[type=submit]",
    ),
    (
        "review-errors",
        "panel",
        "/staff/restrictions/{restriction}/review",
        "main form button[type=submit]",
    ),
    (
        "arrangement-errors",
        "panel",
        "/staff/customers/{emeka}/arrangements/new",
        "main form button[value=approve]",
    ),
    (
        "correspondence-errors",
        "panel",
        "/staff/customers/{imran}/correspondence",
        "main form button[type=submit]",
    ),
    (
        "lodge-errors",
        "cem",
        "/staff/customers/{julia}/appeals/new",
        "main form button[type=submit]",
    ),
]


@pytest.mark.parametrize(
    ("name", "role", "path", "button"), ERROR_FORMS, ids=[f[0] for f in ERROR_FORMS]
)
def test_form_with_errors_passes_axe(open_as, ids, name, role, path, button):
    page = open_as(role, path.format(**ids))
    page.locator(button).first.click()
    expect(page.locator("#error-summary")).to_be_visible()
    check_page(page, name)


def test_colleague_reads_the_flag_first(open_as, ids):
    page = open_as("colleague", f"/staff/customers/{ids['deborah']}", width=375)
    flag = page.locator("#contact-rules-title")
    expect(flag).to_have_text("Contact is restricted: what IS allowed")
    # Only the health and safety alert comes before it, then everything else.
    flag_y = page.locator(".restriction-flag").bounding_box()["y"]
    alert_y = page.locator(".alert-flag").first.bounding_box()["y"]
    report_y = page.get_by_role(
        "link", name="Report an incident about this customer"
    ).bounding_box()["y"]
    assert alert_y < flag_y < report_y
    expect(page.locator(".restriction-flag")).to_contain_text("Contact by email only")
    expect(page.locator(".restriction-flag")).to_contain_text("Complaints can always be made.")
    screenshot(page, "flag-colleague-375")


def test_glt_approves_and_panel_sends_the_letter_with_live_preview(open_as, ids):
    glt = open_as("glt", f"/staff/restriction-requests/{ids['request']}")
    glt.locator("input[name=outcome][value=approved_with_changes]").check()
    glt.locator("#reasons").fill(
        "Threats to a colleague; dealing through the adviser is proportionate."
    )
    glt.locator("input[name=kind][value=third_party]").check()
    glt.locator("#third_party").fill("Housing options adviser, Sam Lee")
    glt.locator("#restriction_reasons").fill("Threats made in the office.")
    today = datetime.now(ZoneInfo("Europe/London")).date()
    glt.locator("#starts_on").fill(today.isoformat())
    glt.locator("#review_on").fill((today + timedelta(days=150)).isoformat())
    glt.locator("main form button[type=submit]").first.click()
    glt.wait_for_url("**/letter*")
    assert_accessible(glt, "decision letter preview")
    before = glt.locator("#letter-preview h2").first.inner_text()
    glt.locator("input[name=delivery][value=portal]").check()
    expect(glt.locator("#letter-preview h2").first).not_to_have_text(before)
    screenshot(glt, "decision-letter-preview-live")
    glt.get_by_role("button", name="Issue the letter").click()
    glt.wait_for_load_state()
    screenshot(glt, "decision-letter-issued")
    glt.wait_for_url("**/staff/letters/*")
    with glt.expect_download() as download:
        glt.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_correspondence_without_javascript(open_as, ids):
    page = open_as("cem", f"/staff/customers/{ids['imran']}/correspondence", js=False)
    for label in ("I have read it", "Record check", "Acknowledge and file"):
        page.get_by_role("button", name=label).first.click()
        expect(page.locator(".notice--success")).to_be_visible()
    expect(page.get_by_text("Acknowledged and filed").first).to_be_visible()
    screenshot(page, "correspondence-no-js")


def test_review_letter_preview_updates_as_the_panel_types(open_as, ids):
    page = open_as("panel", f"/staff/restrictions/{ids['restriction']}/review")
    page.locator("input[name=outcome][value=continue]").check()
    page.locator("#reasons").fill("Calls have continued at the same level.")
    today = datetime.now(ZoneInfo("Europe/London")).date()
    page.locator("#next_review_on").fill((today + timedelta(days=120)).isoformat())
    expect(page.locator("#review-preview")).to_contain_text(
        "Calls have continued at the same level."
    )
    assert_accessible(page, "review with live preview")
    screenshot(page, "review-live-preview")
