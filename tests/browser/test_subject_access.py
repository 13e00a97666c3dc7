"""The subject access page in Chromium: reached from the customer's record, axe clean, and the
export downloaded as a ZIP with JavaScript on and off."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser

CUSTOMER = "C-100006"  # the demo's vulnerable customer with a first stage warning


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_cem_downloads_a_customers_export(open_as, demo, js):
    customer_id = demo.customers[CUSTOMER]
    page = open_as("cem", f"/staff/customers/{customer_id}", js=js)
    page.get_by_role("link", name="Subject access export").click()
    page.wait_for_url(f"**/staff/customers/{customer_id}/subject-access")
    expect(page.locator("h1")).to_have_text("Subject access export")
    if js:  # axe runs in the page
        assert_accessible(page, "subject access export page")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the export").click()
    assert download.value.suggested_filename.startswith(f"subject-access-{CUSTOMER}-")
    with open(download.value.path(), "rb") as kept:
        archive = zipfile.ZipFile(io.BytesIO(kept.read()))
    document = json.loads(archive.read("subject-access.json"))
    assert document["customer"]["reference"] == CUSTOMER
    assert any(name.startswith("letters/") for name in archive.namelist())


def test_the_panel_has_no_link_to_it(open_as, demo):
    customer_id = demo.customers[CUSTOMER]
    page = open_as("panel", f"/staff/customers/{customer_id}")
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_role("link", name="Subject access export")).to_have_count(0)
