"""The housing system import in Chromium (issue 15), with JavaScript on (axe) and off: an
administrator uploads a file with errors, reads the report, corrects the file and imports it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.browser.conftest import new_context, serve_demo
from tests.browser.support import assert_accessible, sign_in_with_form

pytestmark = pytest.mark.browser

PAGE = "/staff/admin/import-customers"
HEADER = "housing_ref,forename,surname,customer_type,tenant_housing_ref,email\n"
GOOD_ROWS = "IMP-1,Iris,Importer,tenant,,iris@test.example\nIMP-2,Ivo,Importer,visitor,IMP-1,\n"
WITH_ERRORS = HEADER + GOOD_ROWS + "IMP-3,Ida,Importer,tenant,,not-an-email\n"
CORRECTED = HEADER + GOOD_ROWS + "IMP-3,Ida,Importer,tenant,,ida@test.example\n"


@pytest.fixture(scope="module", params=[True, False], ids=["js", "no-js"])
def admin_page(request, browser, tmp_path_factory) -> Iterator[tuple[Page, bool, object]]:
    """An administrator signed in on a fresh demo portal of this module's own."""
    with serve_demo(tmp_path_factory.mktemp("customer-import")) as server:
        context = new_context(browser, server.url, None, js=request.param)
        page = context.new_page()
        try:
            sign_in_with_form(page, "admin")
            yield page, request.param, server.engine
        finally:
            context.close()


def _upload(page: Page, content: str, name: str = "customers.csv") -> None:
    page.goto(PAGE)
    page.get_by_label("CSV file from the housing system").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Check the file").click()


def _imported(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            text("SELECT count(*) FROM customer WHERE housing_ref LIKE 'IMP-%'")
        )


def test_import_with_errors_then_corrected(admin_page):
    page, js, engine = admin_page
    if _imported(engine):
        pytest.skip("this portal has had the file imported already")

    # The upload page; a file of the wrong type is refused beside the field.
    page.goto(PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import customers from the housing system"
    )
    if js:
        assert_accessible(page, "import upload page")
    _upload(page, CORRECTED, name="customers.xlsx")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".error-summary")).to_contain_text("The file must be a CSV file")

    # A file with a bad row: the report lists it, and there is nothing to confirm.
    _upload(page, WITH_ERRORS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    expect(page.locator("#import-counts")).to_contain_text("Rows rejected")
    row = page.get_by_role("row").filter(has_text="IMP-3")
    expect(row).to_contain_text("Enter an email address like name@example.com")
    expect(page.get_by_role("link", name="Download every rejected row (CSV)")).to_be_visible()
    expect(page.get_by_role("button", name="Import these changes")).to_have_count(0)
    if js:
        assert_accessible(page, "import report with rejected rows")
    assert _imported(engine) == 0

    # Corrected: three new customers, confirmed once.
    _upload(page, CORRECTED)
    expect(page.locator("#import-counts")).to_contain_text(re.compile(r"New customers\s*3"))
    if js:
        assert_accessible(page, "import report ready to confirm")
    page.get_by_role("button", name="Import these changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers imported")
    expect(page.locator("#import-counts")).to_contain_text(re.compile(r"New customers added\s*3"))
    if js:
        assert_accessible(page, "import result")
    assert _imported(engine) == 3

    # The same file again changes nothing.
    _upload(page, CORRECTED)
    expect(page.locator("#import-counts")).to_contain_text(re.compile(r"Unchanged\s*3"))
    expect(page.get_by_text("The file changes nothing")).to_be_visible()
