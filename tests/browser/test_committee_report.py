"""The six-monthly committee report (§10.3) in Chromium, as the CEM with JavaScript on and as a
Panel member with it off: each chooses a period (a mistake first), reads a chart and its table,
downloads the CSV and the PDF, and issues the report to a committee; each page axe-checked
(with JavaScript on)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.reports.shape import Period
from portal.timeutil import london_date, utcnow
from tests.browser.support import check_page

pytestmark = pytest.mark.browser


@pytest.mark.policy("10.3")
@pytest.mark.parametrize(
    ("role", "js", "committee"),
    [
        ("cem", True, "Customer Experience Committee"),
        ("panel", False, "Health & Safety Committee"),
    ],
    ids=["cem-js", "panel-no-js"],
)
def test_the_report_is_read_downloaded_and_issued(open_as, role, js, committee, tmp_path):
    today = london_date(utcnow())
    period = Period.last_complete_half_year(today)
    page = open_as(role, "/staff/reports", js=js)
    expect(page.get_by_role("heading", level=1)).to_have_text("Six-monthly committee report")
    expect(page.get_by_label("First day")).to_have_value(period.start.isoformat())

    page.get_by_label("Last day").fill((period.start - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show the report").click()
    assert page.title().startswith("Error:")
    expect(page.locator("#end-error")).to_contain_text("on or after the first day")
    if js:
        check_page(page, "committee-report-errors")

    page.get_by_label(committee).check()
    page.get_by_role("button", name="Show the report").click()  # still the wrong period
    page.get_by_role("link", name="The half-year before that").click()  # a plain link
    expect(page.get_by_label("First day")).to_have_value(period.previous().start.isoformat())
    expect(page.get_by_label(committee)).to_be_checked()  # the committee is kept
    page.get_by_role("link", name="Last complete half-year").click()
    expect(page.get_by_label("First day")).to_have_value(period.start.isoformat())
    expect(page.get_by_role("heading", name=f"Report to the {committee}")).to_be_visible()
    glance = page.locator("#at-a-glance li > a")
    first, key = ("Incidents", "incidents") if js else ("Colleague safety", "colleague_safety")
    expect(glance.first).to_have_text(first)  # in the order this committee reads them
    glance.first.click()
    assert page.url.endswith(f"#report-section-{key}")
    chart = page.get_by_role("img", name=re.compile("this period and the previous period"))
    expect(chart.first).to_be_visible()
    expect(page.locator(".report-table").first).to_be_visible()
    if js:
        check_page(page, "committee-report")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download as CSV (spreadsheet)").click()
    saved = tmp_path / "report.csv"
    csv_download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[1] == f"Period,{period.start},{period.end}"
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download as PDF").click()
    assert pdf_download.value.suggested_filename.endswith(".pdf")

    page.get_by_label("Date of the committee meeting").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name=f"Issue to the {committee}").click()
    page.wait_for_url("**/staff/reports/issued/*")
    expect(page.get_by_role("status")).to_contain_text("The report is issued.")
    expect(page.locator("#hash-check")).to_contain_text("still match the fingerprint")
    if js:
        check_page(page, "committee-report-issued")
    page.get_by_role("link", name="All issued reports").click()
    expect(page.locator("#issued-reports")).to_contain_text(committee)
    if js:
        check_page(page, "committee-reports-issued-list")
