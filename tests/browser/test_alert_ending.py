"""Ending a health and safety alert asks why and confirms (§8.5), with JavaScript on and off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page

pytestmark = pytest.mark.browser


@pytest.mark.policy("8.5")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_ending_an_alert_asks_for_a_reason_and_confirms(open_as, demo, js):
    mode = "js" if js else "no-js"
    # A quiet demo customer: the alert raised here is ended before the test returns.
    page = open_as("panel", f"/staff/customers/{demo.customers['C-100012']}", js=js)
    page.get_by_text("Raise an alert", exact=True).click()
    page.get_by_label("What is the risk?").fill(f"Loose dog in the garden ({mode})")
    page.get_by_role("button", name="Raise alert").click()
    flag = page.get_by_role("region", name="Health and safety alert")
    expect(flag).to_contain_text(f"Loose dog in the garden ({mode})")

    flag.get_by_role("link", name="End this alert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End the health and safety alert")
    expect(page.get_by_text(f"End the alert “Loose dog in the garden ({mode})”?")).to_be_visible()
    if js:  # axe runs as a script: the page is checked once, with JavaScript on
        check_page(page, "end-alert")

    page.get_by_role("button", name="End the alert").click()
    assert page.title().startswith("Error:")
    expect(page.locator("#reason-error")).to_contain_text("Say why the alert is ending")
    if js:
        check_page(page, "end-alert-errors")

    page.get_by_label("Why is the alert ending?").fill("The dog has been rehomed.")
    page.get_by_role("button", name="End the alert").click()
    expect(page.get_by_role("status")).to_have_text("Alert ended.")
    expect(page.get_by_role("region", name="Health and safety alert")).to_have_count(0)
    newest = page.locator("ol.timeline > li").first
    expect(newest).to_contain_text("Health and safety alert ended")
    expect(newest).to_contain_text("Reason: The dog has been rehomed.")
