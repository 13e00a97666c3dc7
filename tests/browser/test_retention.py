"""The retention schedule page in Chromium: axe clean, readable with JavaScript off and on a
320 px screen, refused to other staff."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

URL = "/staff/admin/retention"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_schedule_page_for_an_administrator(open_as, js):
    page = open_as("admin", URL, js=js)
    expect(page.locator("h1")).to_have_text("Retention schedule")
    expect(page.locator("table#schedule tbody tr")).to_have_count(3)
    expect(page.locator("#due-counts")).to_be_visible()
    expect(page.locator("h2#last-run")).to_be_visible()
    if js:
        assert_accessible(page, "retention schedule")


def test_the_schedule_page_at_320px(open_as):
    page = open_as("admin", URL, width=320, height=640)
    expect(page.locator("table#schedule")).to_be_visible()
    assert_no_horizontal_scroll(page, 320)
    assert_accessible(page, "retention schedule at 320px")


def test_other_staff_are_refused(open_as):
    page = open_as("panel")
    response = page.goto(URL)
    assert response is not None and response.status == 403
