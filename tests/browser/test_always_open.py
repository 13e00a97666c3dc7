"""§4.6 in Chromium: a customer's appeal page ends with the routes that are always open, a
landmark with tap-to-call links, readable at 320 px in English and Urdu, JavaScript on or off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, screenshot

pytestmark = pytest.mark.browser

IMRAN = "imran.hussain@demo.example"  # reads Urdu; all contact ended; an appeal under way


@pytest.mark.policy("4.6")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_the_appeal_page_ends_with_the_routes_that_are_always_open(browser, base_url, lang, js):
    context = browser.new_context(
        base_url=base_url,
        java_script_enabled=js,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 320, "height": 800},
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/sign-in")
        page.locator("#email").fill(IMRAN)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/home")
        page.goto("/appeals")
        page.locator("main a[href*='/appeals/']").first.click()
        page.wait_for_url("**/appeals/*")
        # Imran's pages open in Urdu, the language he chose: English is one button away.
        if page.locator("html").get_attribute("lang") != lang:
            page.locator(f'button[name="lang"][value="{lang}"]').click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        region = page.get_by_role("contentinfo").get_by_role("region")
        expect(region).to_have_count(1)
        expect(region.get_by_role("heading", level=2)).to_be_visible()
        calls = region.locator("a[href^='tel:']")
        expect(calls.first).to_be_visible()
        for n in range(calls.count()):
            href = calls.nth(n).get_attribute("href")
            assert href[len("tel:") :].lstrip("+").isdigit(), href
        if lang != "en":  # the organisation's own words, in English, marked so
            expect(region.locator("ul")).to_have_attribute("lang", "en")
        assert_no_horizontal_scroll(page, 320)
        if js:  # axe runs as a script: with JavaScript off there is nothing to run it in
            assert_accessible(page, f"appeal page with the always-open routes, {lang}")
        screenshot(page, f"customer-always-open-appeal-{lang}-{'js' if js else 'no-js'}")
    finally:
        context.close()
