"""The API token pages in Chromium: an administrator makes a token, sees its secret once, and
revokes it, with JavaScript on (axe on every page) and off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_make_see_once_and_revoke(open_as, js):
    name = f"Housing system ({'js' if js else 'no-js'})"
    page = open_as("admin", "/staff/admin/api-tokens", js=js)
    expect(page.locator("h1")).to_have_text("API tokens")
    if js:
        assert_accessible(page, "API tokens")
    # A missing name is said beside the field.
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_text("Name the token").first).to_be_visible()
    if js:
        assert_accessible(page, "API tokens, name missing")
    page.get_by_label("What will use the token?").fill(name)
    page.get_by_role("button", name="Make token").click()
    expect(page.locator("h1")).to_contain_text("copy it now")
    secret = page.get_by_label(f"Token for {name}").input_value()
    assert re.fullmatch(r"ccp_[A-Za-z0-9_-]{43}", secret)
    if js:
        assert_accessible(page, "API token made")
    page.get_by_role("link", name="Back to API tokens").click()
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text(secret[:12])
    assert secret not in page.content()
    row.get_by_role("link", name=re.compile("Revoke")).click()
    expect(page.locator("h1")).to_contain_text(name)
    if js:
        assert_accessible(page, "revoke an API token")
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text(re.compile("revoked: calls with it are refused"))).to_be_visible()
    expect(page.locator("tr", has_text=name)).to_contain_text("Revoked")
    if js:
        assert_accessible(page, "API tokens after revoking")


def test_other_staff_are_refused(open_as):
    page = open_as("panel")
    response = page.goto("/staff/admin/api-tokens")
    assert response.status == 403
