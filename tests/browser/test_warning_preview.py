"""The warning letter previewed live on the Panel's review form, in Chromium with axe.

The demo report waiting for the Panel is shared by every browser test, so these tests only
preview: they check that nothing is recorded.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.browser.support import assert_accessible, screenshot

pytestmark = pytest.mark.browser

REFERRED = "We have also referred you to {}, who may be able to help you."
# The letter tells the behaviour in the Panel's words, not the caretaker's report (§8.9).
SUMMARY = "You shouted at our caretaker and called him names."


def _recorded(live_server, incident_id: int) -> tuple:
    """The report's status, its reviews and its warnings, read from the server's database."""
    from portal.conduct_warnings.models import ConductWarning
    from portal.incidents.models import Incident
    from portal.panel.models import PanelReview

    with Session(live_server.engine) as session:
        return (
            session.get(Incident, incident_id).status.value,
            session.scalar(
                select(func.count(PanelReview.id)).where(PanelReview.incident_id == incident_id)
            ),
            session.scalar(
                select(func.count(ConductWarning.id)).where(
                    ConductWarning.incident_id == incident_id
                )
            ),
        )


def _fill_in_a_warning(page: Page) -> None:
    context = page.get_by_role("group", name="Context weighed (§7.2)")
    for box in context.get_by_role("checkbox").all():
        box.check()
    page.get_by_label("How the context affects the Panel's view").fill(
        "Visiting his father in hospital explains the upset, not the abuse."
    )
    page.get_by_role("radio", name="Written warning").check()
    page.get_by_label("Reasons for the outcome").fill("Personal abuse of a caretaker.")
    page.get_by_label("Summary for the letter").fill(SUMMARY)


def test_the_letter_preview_follows_the_support_referral_as_the_panel_types(
    open_as, demo, live_server
):
    before = _recorded(live_server, demo.awaiting_review)
    page = open_as("panel", f"/staff/incidents/{demo.awaiting_review}/review")
    preview = page.locator("#warning-preview")
    letter = preview.locator(".letter")
    live = page.locator("#live-region")
    expect(preview).to_contain_text("as you fill in the form")

    _fill_in_a_warning(page)
    expect(letter).to_contain_text(SUMMARY)
    expect(letter).not_to_contain_text("Verbal abuse towards a caretaker")
    expect(letter).not_to_contain_text("referred you")
    expect(live).to_have_text("Warning letter preview updated")

    page.get_by_label("Refer the customer to a support service").check()
    expect(preview).to_contain_text("Name the support service")
    expect(live).to_have_text("The warning letter preview appears when the form is complete")

    service = page.locator("#support_referral_to")
    service.press_sequentially("Manchester Mind", delay=30)
    expect(letter).to_contain_text(REFERRED.format("Manchester Mind"))
    expect(live).to_have_text("Warning letter preview updated")
    screenshot(page, "warning-live-preview")
    assert_accessible(page, "review form with the warning letter preview")

    service.fill("Salford Citizens Advice")
    expect(letter).to_contain_text(REFERRED.format("Salford Citizens Advice"))
    expect(letter).not_to_contain_text("Manchester Mind")

    page.get_by_label("Refer the customer to a support service").uncheck()
    expect(letter).not_to_contain_text("referred you")
    assert page.url.endswith(f"/staff/incidents/{demo.awaiting_review}/review")
    assert _recorded(live_server, demo.awaiting_review) == before, "a preview records nothing"


def test_without_javascript_the_preview_button_shows_the_same_letter(open_as, demo, live_server):
    before = _recorded(live_server, demo.awaiting_review)
    page = open_as("panel", f"/staff/incidents/{demo.awaiting_review}/review", js=False)
    _fill_in_a_warning(page)
    page.get_by_label("Refer the customer to a support service").check()
    page.locator("#support_referral_to").fill("Manchester Mind")
    page.get_by_role("button", name="Preview the warning letter").click()
    expect(page.locator("#warning-preview .letter")).to_contain_text(
        REFERRED.format("Manchester Mind")
    )
    expect(page.locator("#support_referral_to")).to_have_value("Manchester Mind")
    expect(page.locator("#letter_summary")).to_have_value(SUMMARY)
    expect(page.get_by_role("radio", name="Written warning")).to_be_checked()
    screenshot(page, "warning-preview-no-js")
    assert _recorded(live_server, demo.awaiting_review) == before
