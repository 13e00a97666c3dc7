"""Equality monitoring in Chromium (§11.1, §12.1): the CEM records a customer's answers with
their consent from the customer record, with JavaScript off; the monitoring page's tables and
server-drawn charts pass axe and work without JavaScript; other roles find no way in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.customers.models import ANONYMISED_REFERENCE
from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, screenshot
from tests.browser.test_customer_pages import IMRAN, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.policy("11.1")]

SEXES = ("female", "male")
ETHNIC_GROUPS = ("white", "black", "asian")


def _record(page, customer_id: int, n: int) -> None:
    page.goto(f"/staff/customers/{customer_id}/equality")
    page.locator("#consent_given-0").check()  # yes, they agreed
    page.locator("#consent_method-0").check()
    page.locator(f'input[name="sex"][value="{SEXES[n % 2]}"]').check()
    page.locator(f'input[name="ethnic_group"][value="{ETHNIC_GROUPS[n % 3]}"]').check()
    page.locator('input[name="religion"][value="prefer_not_to_say"]').check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).not_to_have_text("Equality monitoring")


def test_the_cem_records_answers_from_the_record_with_javascript_off(open_as, demo):
    page = open_as("cem", f"/staff/customers/{demo.customers['C-100001']}", js=False)
    page.locator("main").get_by_role("link", name="Equality monitoring").click()
    expect(page.locator("h1")).to_have_text("Equality monitoring")
    page.get_by_role("button", name="Save").click()  # nothing chosen: refused, said by each field
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#consent_given-error")).to_be_visible()
    screenshot(page, "equality-form-errors")
    customers = [ident for ref, ident in demo.customers.items() if ref != ANONYMISED_REFERENCE]
    for n, customer_id in enumerate(customers):
        _record(page, customer_id, n)
    expect(page.locator(".flash, [role=status], .notice").first).to_contain_text("saved")


@pytest.mark.parametrize("role", ["cem", "admin"])
def test_the_equality_form_passes_axe(open_as, demo, role):
    page = open_as(role, f"/staff/customers/{demo.customers['C-100002']}/equality")
    expect(page.locator("legend").first).to_contain_text("Did the customer agree")
    assert_accessible(page, f"equality form as {role}")
    page.locator("#consent_on").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "equality form with errors")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_monitoring_page_shows_tables_and_charts(open_as, demo, js):
    # Answers for every demo customer, so that some groups reach 5 and are shown (saving the
    # same answers again changes nothing, so this test does not depend on another's order).
    page = open_as("cem", "/staff/equality", js=js)
    customers = [ident for ref, ident in demo.customers.items() if ref != ANONYMISED_REFERENCE]
    for n, customer_id in enumerate(customers):
        _record(page, customer_id, n)
    page.goto("/staff/equality")
    expect(page.locator("h1")).to_have_text("Equality monitoring")
    for name in ("age_band", "sex", "ethnic_group", "marital_status"):
        expect(page.locator(f"#{name}-table")).to_be_visible()
        # A chart, or a line saying why there is none (every figure fewer than 5).
        expect(page.locator(f"#{name}-chart")).to_be_visible()
    expect(page.locator("#sex-chart svg")).to_be_visible()  # the demo's 6 men are shown
    page.get_by_label("Steps taken in").select_option("12m")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/staff/equality?period=12m")
    expect(page.get_by_label("Steps taken in")).to_have_value("12m")
    if js:
        assert_accessible(page, "equality monitoring")
        screenshot(page, "equality-monitoring")


def test_the_monitoring_page_at_320px_does_not_scroll_sideways(open_as):
    page = open_as("admin", "/staff/equality", width=320, height=640)
    expect(page.locator("#sex-table")).to_be_visible()
    assert_no_horizontal_scroll(page, 320)
    assert_accessible(page, "equality monitoring at 320px")


@pytest.mark.parametrize("role", ["colleague", "panel", "glt"])
def test_other_roles_are_refused(open_as, demo, role):
    page = open_as(role, f"/staff/customers/{demo.customers['C-100001']}")
    expect(page.locator("main").get_by_role("link", name="Equality monitoring")).to_have_count(0)
    response = page.goto("/staff/equality")
    assert response.status == 403


def test_a_customer_answers_in_arabic(open_as):
    """The customer's own page, right to left: reached from their home, refused with nothing
    chosen, then saved with consent; axe finds nothing at each step. (The page is plain forms:
    tests/web/test_customer_equality.py sends them as a browser without JavaScript would.)"""
    page = open_as(None, "/")
    page.locator('button[name="lang"][value="ar"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    _sign_in(page, IMRAN)
    page.locator('main a[href="/equality"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator('input[name="sex"][value="prefer_not_to_say"]')).to_have_count(1)
    assert_accessible(page, "customer equality questions in Arabic")
    screenshot(page, "customer-ar-equality")
    # Staff may have recorded answers for every demo customer in another test: start from a
    # form with nothing chosen, as a customer who has never answered sees it.
    page.locator("main form[action='/equality'] input[type=radio]").evaluate_all(
        "radios => radios.forEach(radio => { radio.checked = false; })"
    )
    page.locator("main form[action='/equality'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#consent_given-error")).to_be_visible()
    assert_accessible(page, "customer equality questions with errors in Arabic")
    page.locator("#consent_given-0").check()
    page.locator('input[name="religion"][value="prefer_not_to_say"]').check()
    page.locator("main form[action='/equality'] button[type=submit]").click()
    expect(page.locator('input[name="religion"][value="prefer_not_to_say"]')).to_be_checked()
    expect(page.locator("form[action='/equality/withdraw']")).to_be_visible()
    assert_accessible(page, "customer equality answers saved, in Arabic")
