"""The privacy notice in Chromium: reached from any customer page's footer, with JavaScript on
(axe) and off, in a right-to-left language and on a 320 px screen. (Every language passes axe in
tests/browser/test_customer_pages.py, which walks it with the other public pages.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

SECTIONS = ("who-we-are", "what-we-keep", "how-long-we-keep-it", "your-rights", "always-open")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_footer_leads_to_the_notice_at_320px(open_as, js):
    page = open_as(None, "/sign-in?lang=ar", js=js, width=320, height=640)
    page.locator('footer a[href="/privacy"]').click()
    page.wait_for_url("**/privacy")
    expect(page.locator("h1")).to_be_visible()
    for section in SECTIONS:
        expect(page.locator(f"h2#{section}")).to_be_visible()
    expect(page.locator('main a[href="https://ico.org.uk"]')).to_be_visible()
    expect(page.locator("footer .always-open")).to_be_visible()
    assert_no_horizontal_scroll(page, 320)
    if js:  # axe runs in the page: with JavaScript off the checks above are the ones made
        assert_accessible(page, "privacy notice at 320px")


def test_the_notice_in_arabic_reads_right_to_left_and_passes_axe(open_as):
    page = open_as(None, "/privacy?lang=ar")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    assert_accessible(page, "privacy notice in Arabic")
