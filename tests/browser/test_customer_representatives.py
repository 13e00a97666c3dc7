"""Recording a representative or advocate the customer chose, and ending it (§4.5), in
Chromium with JavaScript on and off; each page axe-checked (with JavaScript on)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_page

pytestmark = pytest.mark.browser


@pytest.mark.policy("4.5")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_colleague_records_and_ends_a_representative(open_as, demo, js):
    mode = "js" if js else "no-js"
    name = f"Asha Advocate ({mode})"
    page = open_as("colleague", f"/staff/customers/{demo.customers['C-100012']}", js=js)
    expect(page.get_by_role("heading", name="Representatives and advocates")).to_be_visible()
    page.get_by_role("link", name="Add a representative").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a representative or advocate")
    if js:  # axe runs as a script: each page is checked once, with JavaScript on
        check_page(page, "representative-new")

    page.get_by_role("button", name="Add representative").click()
    assert page.title().startswith("Error:")
    expect(page.locator("#name-error")).to_contain_text("Enter the name")
    expect(page.locator("#consent_confirmed-error")).to_contain_text(
        "Confirm the customer has agreed"
    )
    if js:
        check_page(page, "representative-new-errors")

    page.get_by_label("Their name").fill(name)
    page.get_by_label("Advocate", exact=True).check()
    page.get_by_label("Organisation").fill("Speak Up Manchester")
    page.get_by_label("Date the customer gave their consent").fill("2025-01-15")
    page.get_by_label("By phone").check()
    page.get_by_label("Also send them a copy of letters to the customer").check()
    page.get_by_label("The customer has agreed to this person acting for them").check()
    page.get_by_role("button", name="Add representative").click()

    expect(page.get_by_role("status")).to_contain_text(f"{name} recorded as acting")
    item = page.locator(".representative", has_text=name)
    expect(item).to_contain_text("Acting")
    expect(item).to_contain_text("Given 15 Jan 2025, by phone")
    expect(page.locator("#representative-letters")).to_contain_text(name)
    if js:
        check_page(page, "representative-on-record")

    item.get_by_role("link", name="Stop them acting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stop someone acting for the customer"
    )
    if js:
        check_page(page, "representative-end")
    page.get_by_label("The customer withdrew their consent").check()
    page.get_by_label("Anything colleagues should know").fill("Rang to say so.")
    page.get_by_role("button", name="Stop them acting").click()

    expect(page.get_by_role("status")).to_contain_text(f"{name} no longer acts")
    expect(page.locator(".representative", has_text=name)).to_have_count(0)
    expect(page.locator("#ended-representatives")).to_contain_text(name)
    expect(page.locator("#ended-representatives")).to_contain_text("Rang to say so.")
    if js:
        check_page(page, "representative-ended-on-record")
