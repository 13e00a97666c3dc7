"""Recording a customer's reasonable adjustments (§12.1) from their record, in Chromium with
JavaScript on and off; each page axe-checked (with JavaScript on), and the box at the top of
the record checked at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_no_horizontal_scroll, check_page

pytestmark = pytest.mark.browser


@pytest.mark.policy("12.1")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_colleague_records_adjustments_and_sees_them_on_the_record(open_as, demo, js):
    mode = "js" if js else "no-js"
    record = f"/staff/customers/{demo.customers['C-100012']}"
    page = open_as("colleague", record, js=js)
    page.locator("#adjustments").get_by_role(
        "link", name=re.compile(r"(Record|Change) reasonable adjustments")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reasonable adjustments")
    if js:  # axe runs as a script: each page is checked once, with JavaScript on
        check_page(page, "adjustments-form")

    page.get_by_label("They need an interpreter").check()
    page.get_by_label("Language the interpreter should speak").fill("")
    page.get_by_role("button", name="Save adjustments").click()
    assert page.title().startswith("Error:")
    expect(page.locator("#interpreter_language-error")).to_contain_text(
        "Enter the language the interpreter should speak"
    )
    if js:
        check_page(page, "adjustments-form-errors")

    page.get_by_label("Large print").check()
    page.get_by_label("Braille").check()
    page.get_by_label("Language the interpreter should speak").fill("Polish")
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Preferred time of contact").fill(f"Mornings ({mode})")
    page.get_by_role("button", name="Save adjustments").click()

    expect(page.get_by_role("status")).to_contain_text("Reasonable adjustments saved")
    box = page.locator("#adjustments")
    expect(box).to_contain_text("Large print, Braille")
    expect(box).to_contain_text("Needed: Polish")
    expect(box).to_contain_text(f"Mornings ({mode})")
    expect(box).to_contain_text("Send in Braille: the portal cannot make this format")
    if js:
        check_page(page, "adjustments-on-record")


def test_the_box_on_the_record_reads_at_320px(open_as, demo):
    page = open_as(
        "colleague",
        f"/staff/customers/{demo.customers['C-100012']}/adjustments",
        width=320,
        height=640,
    )
    assert_no_horizontal_scroll(page, 320)
    page.get_by_label("Easy read").check()
    page.get_by_label("Other adjustments").fill("Prefers a named contact.")
    page.get_by_role("button", name="Save adjustments").click()
    expect(page.locator("#adjustments")).to_contain_text("Prefers a named contact.")
    assert_no_horizontal_scroll(page, 320)
    check_page(page, "adjustments-on-record-320")
