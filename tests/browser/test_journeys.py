"""Whole journeys in the browser, each with JavaScript on and with it off."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])


def _mode(js: bool) -> str:
    return "js" if js else "no-js"


def _report_incident(page: Page, reference: str, js: bool) -> int:
    page.goto("/staff/")
    page.get_by_role("main").get_by_role("link", name="Report an incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an incident")
    assert_no_horizontal_scroll(page, PHONE["width"])
    page.get_by_label("Customer reference").fill(reference)
    page.get_by_label("Date of the incident").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("Time of the incident").fill("10:30")
    page.get_by_role("radio", name="Phone", exact=True).check()
    page.get_by_role("checkbox", name="Aggressive or abusive behaviour", exact=True).check()
    page.get_by_role("checkbox", name="Personal verbal abuse").check()
    page.get_by_label("What happened?").fill("Shouted and swore at me about a missed repair visit.")
    page.get_by_label("What did you do at the time?").fill("Warned once, then ended the call.")
    page.get_by_role("radio", name="No", exact=True).check()
    expect(page.get_by_label("Manager to tell")).to_have_value(re.compile(r"\d+"))
    screenshot(page, f"journey-{_mode(js)}-1-report-filled")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status")).to_contain_text("reported. Tom Whitfield has been told")
    match = re.search(r"/staff/incidents/(\d+)$", page.url)
    assert match, page.url
    assert_no_horizontal_scroll(page, PHONE["width"])
    screenshot(page, f"journey-{_mode(js)}-2-reported")
    if js:
        assert_accessible(page, "incident page on a phone")
    return int(match.group(1))


@JS
@pytest.mark.policy("8.2")
@pytest.mark.policy("8.3")
@pytest.mark.policy("8.7")
def test_report_decide_review_and_issue_a_warning(open_as, js):
    reference = "C-100001" if js else "C-100009"
    mode = _mode(js)

    colleague = open_as("colleague", js=js, **PHONE)
    incident_id = _report_incident(colleague, reference, js)

    manager = open_as("manager", "/staff/", js=js)
    manager.locator(f"a[href$='/incidents/{incident_id}/decision']").first.click()
    expect(manager).to_have_url(re.compile(rf"/staff/incidents/{incident_id}/decision$"))
    screenshot(manager, f"journey-{mode}-3-decision")
    if js:
        assert_accessible(manager, "decision form")
    manager.get_by_role("checkbox", name="No further immediate action").check()
    manager.get_by_role("button", name="Record decision").click()
    expect(manager.get_by_role("status")).to_have_text("Decision recorded.")

    panel = open_as("panel", "/staff/panel", js=js)
    panel.locator(f"a[href$='/incidents/{incident_id}/review']").click()
    expect(panel.get_by_role("heading", level=1)).to_have_text("Review this report")
    expect(
        panel.get_by_text("If you issue a warning, it will be a first stage warning.")
    ).to_be_visible()
    for box in (
        panel.get_by_role("group", name="Context weighed (§7.2)").get_by_role("checkbox").all()
    ):
        box.check()
    panel.get_by_label("How the context affects the Panel's view").fill(
        "Anger about the repair is understandable; the personal abuse was not."
    )
    panel.get_by_role("radio", name="Written warning").check()
    panel.get_by_label("Reasons for the outcome").fill(
        "Personal abuse of a colleague on the phone."
    )
    panel.get_by_label("Summary for the letter").fill(
        "You swore at our colleague on the phone about your repair."
    )
    screenshot(panel, f"journey-{mode}-4-review")
    if js:
        assert_accessible(panel, "review form, filled in")
    panel.get_by_role("button", name="Record review").click()

    expect(panel).to_have_url(re.compile(rf"/staff/incidents/{incident_id}/warning$"))
    expect(panel.get_by_role("heading", level=1)).to_have_text(
        "Check the first stage warning before you issue it"
    )
    expect(panel.get_by_role("heading", name=re.compile("First stage warning"))).to_be_visible()
    expect(panel.locator(".letter")).to_contain_text(
        "You swore at our colleague on the phone about your repair."
    )
    screenshot(panel, f"journey-{mode}-5-preview")
    if js:
        assert_accessible(panel, "warning preview")
    panel.get_by_label("By hand").check()
    panel.get_by_role("button", name="Issue the first stage warning").click()

    expect(panel).to_have_url(re.compile(r"/staff/letters/\d+$"))
    expect(panel.get_by_role("status")).to_contain_text("First stage warning issued")
    expect(panel.get_by_role("heading", level=1)).to_contain_text("Letter issued on")
    expect(panel.get_by_text("Unchanged since issue")).to_be_visible()
    screenshot(panel, f"journey-{mode}-6-letter")
    if js:
        assert_accessible(panel, "issued letter")


@JS
def test_empty_report_shows_a_linked_error_summary(open_as, js):
    page = open_as("colleague", "/staff/incidents/new", js=js, **PHONE)
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_title(re.compile(r"^Error: Report an incident"))
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    screenshot(page, f"report-errors-phone-{_mode(js)}")
    if js:
        # The enhancement puts focus on the summary, so a screen reader starts there.
        expect(summary).to_be_focused()
    else:
        # Without JavaScript the skip link comes first, and the summary's first link is the
        # first thing that takes focus after the skip link's target.
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_have_attribute("href", "#main")
        expect(page.locator(".skip-link")).to_be_focused()
        first = page.locator(
            "#main :is(a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1']))"
        ).first
        summary_link = summary.get_by_role("link").first
        expect(first).to_have_attribute("href", summary_link.get_attribute("href"))
        expect(first).to_have_text(summary_link.inner_text())
    for text, field_id in [
        ("Describe what happened", "description"),
        ("Enter the customer reference, like C-100001", "customer_reference"),
    ]:
        summary.get_by_role("link", name=text).click()
        field = page.locator(f"#{field_id}")
        expect(field).to_be_focused()
        expect(field).to_be_in_viewport()
    link = summary.get_by_role("link", name="Select where or how the incident happened")
    link.click()
    expect(page.get_by_role("radio", name="Phone", exact=True)).to_be_focused()


@JS
@pytest.mark.policy("8.8")
def test_register_search_filters_with_and_without_javascript(open_as, js):
    page = open_as("panel", "/staff/register", js=js)
    results = page.locator("#register-results")
    search = page.get_by_role("searchbox", name="Search")
    if js:
        page.evaluate("window.__sameDocument = true")
        search.press_sequentially("Nolan", delay=30)
        expect(results.get_by_role("heading", level=2)).to_have_text("3 incidents")
        expect(page.locator("#live-region")).to_have_text("3 incidents, page 1 of 1")
        assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
        expect(page).to_have_url(re.compile(r"[?&]q=Nolan"))
    else:
        search.fill("Nolan")
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"[?&]q=Nolan"))
        expect(results.get_by_role("heading", level=2)).to_have_text("3 incidents")
    expect(results.get_by_role("row")).to_have_count(4)
    expect(results.get_by_role("link", name="Deborah Nolan")).to_have_count(3)
    screenshot(page, f"register-search-{_mode(js)}")
    if js:
        assert_accessible(page, "register after live search")

    page.get_by_label("Status").select_option(label="Awaiting Panel review")
    if not js:
        page.get_by_role("button", name="Apply filters").click()
    expect(results.get_by_role("heading", level=2)).to_have_text("0 incidents")
    expect(results).to_contain_text("No incidents match")


@JS
def test_register_pages_with_and_without_javascript(open_as, js):
    page = open_as("panel", "/staff/register", js=js)
    results = page.locator("#register-results")
    pages = results.get_by_role("navigation", name="Register pages")
    expect(pages).to_contain_text(re.compile(r"Page 1 of \d+"))
    if js:
        page.evaluate("window.__sameDocument = true")
    pages.get_by_role("link", name="Next page").click()
    expect(pages).to_contain_text(re.compile(r"Page 2 of \d+"))
    expect(pages.get_by_role("link", name="Previous page")).to_be_visible()
    if js:
        assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
        expect(page.locator("#live-region")).to_contain_text("page 2 of")
        assert_accessible(page, "register page 2 after htmx paging")
    else:
        expect(page).to_have_url(re.compile(r"[?&]page=2"))


@JS
def test_customer_search_with_and_without_javascript(open_as, js):
    page = open_as("colleague", "/staff/customers", js=js)
    results = page.locator("#customer-results")
    search = page.get_by_role("searchbox", name="Name or customer reference")
    if js:
        page.evaluate("window.__sameDocument = true")
        search.press_sequentially("Jones", delay=30)
        expect(results.get_by_role("heading", level=2)).to_have_text("2 customers found")
        expect(page.locator("#live-region")).to_have_text("2 customers found")
        assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    else:
        search.fill("Jones")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"[?&]q=Jones"))
        expect(results.get_by_role("heading", level=2)).to_have_text("2 customers found")
    results.get_by_role("link", name="Aled Jones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aled Jones")


@pytest.mark.policy("8.5")
def test_alert_is_the_first_thing_a_colleague_sees_on_a_phone(open_as, demo):
    page = open_as("colleague", f"/staff/customers/{demo.customers['C-100004']}", **PHONE)
    alert = page.get_by_role("region", name="Health and safety alert")
    expect(alert).to_be_in_viewport()
    expect(alert).to_contain_text("Visit in pairs only")
    screenshot(page, "customer-alert-phone")
