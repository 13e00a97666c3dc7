"""A customer asks to change an informal arrangement online (§8.15), and the Panel finds their
proposal, in their words, on its home page and on the customer's record: JavaScript on and off,
axe on both staff pages, and no sideways scrolling at 320 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import serve_demo
from tests.browser.support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    screenshot,
    sign_in_with_form,
)

pytestmark = pytest.mark.browser

CONNOR = "connor.walsh@demo.example"  # an arrangement waits for his answer
PROPOSAL = "Could the calls be on Thursdays? I work on Tuesdays."


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator:
    with serve_demo(tmp_path_factory.mktemp("arrangement-answers")) as live:
        yield live


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_asking_to_change_an_arrangement_shows_the_proposal_to_the_panel(browser, server, js):
    mode = "js" if js else "no-js"
    customer = browser.new_context(base_url=server.url, java_script_enabled=js)
    staff = browser.new_context(base_url=server.url, java_script_enabled=js)
    try:
        page = customer.new_page()
        page.goto("/sign-in")
        page.locator("#email").fill(CONNOR)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/home")
        # A proposed change can be changed again, so the second run answers once more.
        page.locator("main a[href*='/arrangements/']").first.click()
        page.get_by_role("radio", name="I would like to suggest a change").check()
        page.get_by_label("Anything you want to tell us").fill(f"{PROPOSAL} ({mode})")
        page.get_by_role("button", name="Send my answer").click()
        page.wait_for_url("**/home")

        panel = staff.new_page()
        sign_in_with_form(panel, "panel")
        panel.goto("/staff/")
        answer = panel.get_by_role("link", name="Reply to the change Connor Walsh")
        expect(answer).to_be_visible()
        screenshot(panel, f"arrangement-answer-home-{mode}")
        if js:
            assert_accessible(panel, "staff home with an answer to act on")
        answer.click()
        box = panel.get_by_role("region", name="Suggested contact arrangement")
        expect(box).to_contain_text(f"{PROPOSAL} ({mode})")
        expect(box).to_contain_text("customer proposed a change")
        screenshot(panel, f"arrangement-answer-record-{mode}")
        if js:
            assert_accessible(panel, "customer record with the customer's proposal")
        panel.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_scroll(panel, 320)
    finally:
        customer.close()
        staff.close()
