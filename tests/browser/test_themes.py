"""The Panel's themes (§10.2) in Chromium, with JavaScript on and off: add a theme, tag an
incident with it, read the chart and its table, escalate the theme and record the outcome,
and record a review of the register; each page axe-checked (with JavaScript on)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_no_horizontal_scroll, check_page

pytestmark = pytest.mark.browser


@pytest.mark.policy("10.2")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_panel_tags_an_incident_and_escalates_its_theme(open_as, demo, js):
    mode = "js" if js else "no-js"
    name = f"Frustration after repair delays ({mode})"
    page = open_as("panel", "/staff/themes", js=js)
    expect(page.get_by_role("heading", level=1)).to_have_text("Recurring themes")
    page.get_by_role("button", name="Add theme").click()
    assert page.title().startswith("Error:")
    expect(page.locator("#name-error")).to_contain_text("Enter the name of the theme")
    if js:
        check_page(page, "themes-add-errors")
    page.get_by_label("Name of the theme").fill(name)
    page.get_by_role("button", name="Add theme").click()
    expect(page.get_by_role("status")).to_contain_text(f"Theme added: {name}")

    page.goto(f"/staff/incidents/{demo.awaiting_review}")
    page.get_by_role("link", name="See or change the themes of this incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Themes of this incident")
    if js:
        check_page(page, "themes-tag")
    page.get_by_label(name).check()
    page.get_by_role("button", name="Save themes").click()
    expect(page.get_by_role("status")).to_contain_text(f"Tagged with: {name}")

    page.goto("/staff/themes")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("img", name="Incidents with this theme, by month")).to_be_visible()
    expect(page.locator("#theme-table")).to_be_visible()
    if js:
        check_page(page, "themes-show")
    page.get_by_label("Business Influencers Group (BIG)").check()
    page.get_by_label("Date escalated").fill("2026-11-20")
    page.get_by_label("Summary").fill("Repairs complaints keep turning into abuse")
    page.get_by_role("button", name="Record the escalation").click()
    expect(page.get_by_role("status")).to_contain_text("Escalation to Business Influencers")
    page.get_by_role("link", name="Record the outcome").click()
    if js:
        check_page(page, "themes-outcome")
    page.get_by_label("Outcome", exact=True).fill("Repairs triage changed")
    page.get_by_label("Date of the outcome").fill("2026-11-27")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#escalations ~ .summary-card").first).to_contain_text(
        "Repairs triage changed"
    )


@pytest.mark.policy("10.2")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_panel_records_a_review_of_the_register(open_as, js):
    page = open_as("panel", "/staff/panel/reviews-of-register", js=js)
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("#attendees-error")).to_contain_text("Enter who attended")
    if js:
        check_page(page, "register-reviews-errors")
    page.get_by_label("Date of the review").fill("2026-11-20")
    page.get_by_label("Who attended").fill("Pat Panel, Sam Member")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("status")).to_contain_text("Review of the register recorded")
    expect(page.locator("#reviews")).to_contain_text("Pat Panel, Sam Member")
    if js:
        check_page(page, "register-reviews")


@pytest.mark.parametrize("role", ["cem", "glt"])
def test_readers_see_the_themes_page_at_320px(open_as, role):
    page = open_as(role, "/staff/themes", width=320, height=640)
    expect(page.get_by_role("img", name="Incidents tagged with a theme, by month")).to_be_visible()
    expect(page.get_by_role("button", name="Add theme")).to_have_count(0)
    assert_no_horizontal_scroll(page, 320)
    check_page(page, f"themes-{role}-320")
