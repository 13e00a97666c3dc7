"""The six-monthly committee report's pages (§10.3): the CEM, the Panel and GLT choose a
period and read each chart with its table, download CSV and PDF; the CEM and the Panel issue
the report to a committee, frozen with its hash; everyone else is refused."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from sqlalchemy import func, select, update

from portal import db
from portal.audit.models import AuditEvent
from portal.reports import figures
from portal.reports.models import IssuedReport
from portal.reports.shape import Report
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error
from tests.web.report_fixtures import ODD_LABEL, known_report

REPORT = "/staff/reports"
ISSUE = "/staff/reports/issue"
ISSUED = "/staff/reports/issued"
PERIOD = {"start": "2026-04-01", "end": "2026-09-30"}
READERS = {"cem", "panel", "glt"}
ISSUERS = {"cem", "panel"}
REFUSED = {"colleague", "line_manager", "csm", "admin"}

pytestmark = pytest.mark.policy("10.3")


@pytest.fixture
def known(monkeypatch):
    """The figures every report is worked out to; ``known.scale`` changes them later."""

    class Known:
        scale = 1

    monkeypatch.setattr(
        figures, "work_out", lambda period, now: known_report(period, now, Known.scale)
    )
    return Known


def issued_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(IssuedReport.id)))


def issue(post, committee="customer_experience", meeting="2026-12-10", **period):
    data = {
        "issue-start": period.get("start", PERIOD["start"]),
        "issue-end": period.get("end", PERIOD["end"]),
        "issue-committee": committee,
        "issue-meeting_date": meeting,
    }
    return post(ISSUE, data, prefix="issue-")


def read_csv(response) -> tuple[list[list[str]], list[dict]]:
    text = response.data.decode()
    head, _blank, body = text.partition("\r\n\r\n")
    return list(csv.reader(io.StringIO(head))), list(csv.DictReader(io.StringIO(body)))


def pdf_text(tmp_path, data: bytes) -> tuple[str, str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return info.stdout, text.stdout


@pytest.mark.parametrize("role", sorted(READERS | REFUSED))
def test_each_role_reads_the_report_only_if_it_may(client, act_as, post, known, role):
    act_as("cem")
    assert issue(post).status_code == 303
    issued_id = db.session.scalar(select(IssuedReport.id))
    act_as(role)
    urls = (
        REPORT,
        f"{REPORT}.csv",
        f"{REPORT}.pdf",
        ISSUED,
        f"{ISSUED}/{issued_id}",
        f"{ISSUED}/{issued_id}.csv",
        f"{ISSUED}/{issued_id}.pdf",
    )
    for url in urls:
        response = client.get(url)
        if role not in READERS:
            check_page(response, 403)
        elif url in (REPORT, ISSUED, f"{ISSUED}/{issued_id}"):
            page = check_page(response)
            if url == REPORT:  # GLT reads; only the CEM and the Panel are offered issuing
                assert bool(page.select("main form[method=post]")) == (role in ISSUERS)
        else:
            assert response.status_code == 200, url
    answer = issue(post, meeting="2026-12-11")
    assert answer.status_code == (303 if role in ISSUERS else 403)
    assert issued_count() == (2 if role in ISSUERS else 1)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in (REPORT, f"{REPORT}.csv", f"{REPORT}.pdf", ISSUED, f"{ISSUED}/1"):
        assert client.get(url).status_code == 302
    assert client.post(ISSUE).status_code in (302, 400)


def test_the_last_complete_half_year_is_shown_with_each_chart_beside_its_table(
    client, act_as, known
):
    act_as("cem")
    page = check_page(client.get(REPORT))
    assert page.find(id="start")["value"] == "2026-04-01"
    assert page.find(id="end")["value"] == "2026-09-30"
    text = page.get_text(" ", strip=True)
    assert "Report to the Customer Experience Committee" in text
    assert "1 October 2025" in text and "31 March 2026" in text  # the previous period
    assert "Incidents rose this period." in text
    chart = page.find(id="chart-incidents-by_channel")
    assert chart.name == "svg" and chart["role"] == "img"
    assert "Incidents by channel" in chart.find("title").get_text()
    table = page.find(id="table-incidents-by_channel")
    cells = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in table("tr")]
    assert cells[1] == ["By phone", "12", "8", "+4", "80%"]
    assert cells[2] == [ODD_LABEL, "3", "5", "−2", "20%"]
    assert cells[-1] == ["Total", "15", "13", "+2", "100%"]
    headers = [th.get_text(" ", strip=True) for th in table.thead("th")]
    assert headers[0] == "What is counted"
    assert headers[3] == "Change since the previous period"  # the end visually hidden
    assert table.thead("th")[3].find(class_="visually-hidden")
    assert ODD_LABEL in chart.get_text()  # escaped in the SVG, read back as text
    sections = [s["id"] for s in page.select(".report-section [id^=section-]")]
    assert sections == ["section-incidents", "section-colleague_safety"]


def test_the_health_and_safety_version_leads_with_colleague_safety(client, act_as, known):
    act_as("glt")
    page = check_page(client.get(REPORT, query_string={"committee": "health_and_safety"}))
    sections = [s["id"] for s in page.select(".report-section [id^=section-]")]
    assert sections == ["section-colleague_safety", "section-incidents"]
    assert "Report to the Health & Safety Committee" in page.get_text()


def test_a_report_with_no_sections_reads_sensibly(client, act_as, monkeypatch, tmp_path):
    act_as("cem")
    empty = lambda period, now: Report(period, period.previous(), (), now)  # noqa: E731
    monkeypatch.setattr(figures, "work_out", empty)
    page = check_page(client.get(REPORT))
    assert "There are no figures to report for this period yet." in page.get_text()
    heading, rows = read_csv(client.get(f"{REPORT}.csv"))
    assert heading[1] == ["Period", "2026-04-01", "2026-09-30"] and rows == []
    info, text = pdf_text(tmp_path, client.get(f"{REPORT}.pdf").data)
    assert "Customer Experience Committee" in info
    assert "There are no figures to report" in text


def test_the_real_figures_of_an_empty_database_are_all_nought(client, act_as, tmp_path):
    act_as("cem")  # the real work_out: no records, so every figure is 0
    page = check_page(client.get(REPORT))
    shown = [
        [cell.get_text(strip=True) for cell in row("td")[:3]]
        for row in page.select(".report-table tbody tr")
    ]
    assert all(cells == ["0", "0", "0"] for cells in shown), shown
    _heading, rows = read_csv(client.get(f"{REPORT}.csv"))
    assert len(rows) == len([r for r in page.select(".report-table tbody tr:not(.report-total)")])
    assert all((r["This period"], r["Previous period"]) == ("0", "0") for r in rows)
    info, _text = pdf_text(tmp_path, client.get(f"{REPORT}.pdf").data)
    assert "Six-monthly report to the Customer Experience Committee" in info


@pytest.mark.parametrize(
    ("args", "field", "says"),
    [
        ({"start": "2026-02-30"}, "start", "Enter a real date"),
        ({"start": "not a date"}, "start", "Enter a real date"),
        ({"start": ""}, "start", "Enter the first day of the period"),
        ({"end": "2026-13-01"}, "end", "Enter a real date"),
        ({"start": "2026-09-30", "end": "2026-04-01"}, "end", "on or after the first day"),
        ({"start": "2023-01-01", "end": "2026-09-30"}, "end", "no more than 3 years"),
        ({"start": "2026-11-24", "end": "2026-12-31"}, "start", "not in the future"),
        ({"start": "1850-01-01"}, "start", "Enter a real date"),
        ({"start": "1999-12-31"}, "start", "from 2000 onwards"),
        ({"committee": "board"}, "committee", "Choose the committee"),
    ],
)
def test_a_bad_period_is_told_beside_its_field(client, act_as, known, args, field, says):
    act_as("cem")
    for url in (REPORT, f"{REPORT}.csv", f"{REPORT}.pdf"):
        assert_field_error(client.get(url, query_string=args), field, says)


def test_periods_on_both_sides_of_the_longest(client, act_as, known):
    act_as("cem")
    longest = {"start": "2023-10-01", "end": "2026-09-30"}  # 1096 days, within 3 × 366
    assert client.get(REPORT, query_string=longest).status_code == 200
    three_years = {"start": "2023-09-29", "end": "2026-09-30"}  # 1098 days, the longest
    assert client.get(REPORT, query_string=three_years).status_code == 200
    one_more = {"start": "2023-09-28", "end": "2026-09-30"}  # 1099 days
    assert client.get(REPORT, query_string=one_more).status_code == 422
    today = {"start": "2026-11-23", "end": "2026-11-23"}  # the frozen day itself
    assert client.get(REPORT, query_string=today).status_code == 200


def test_the_csv_says_what_the_table_says(client, act_as, known):
    act_as("panel")
    response = client.get(
        f"{REPORT}.csv", query_string={**PERIOD, "committee": "health_and_safety"}
    )
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    heading, rows = read_csv(response)
    assert heading[0] == ["Report", "Health & Safety Committee"]
    assert heading[1] == ["Period", "2026-04-01", "2026-09-30"]
    assert heading[2] == ["Previous period", "2025-10-01", "2026-03-31"]
    figures_read = [
        (r["Section"], r["What is counted"], r["This period"], r["Previous period"], r["Change"])
        for r in rows
    ]
    assert figures_read == [
        ("Colleague safety", "Colleague injured", "2", "0", "2"),
        ("Incidents", "By phone", "12", "8", "4"),
        ("Incidents", "'" + ODD_LABEL, "3", "5", "-2"),  # a formula is kept as text
        ("Incidents", "In person", "0", "0", "0"),
    ]


def test_the_pdf_is_tagged_titled_and_carries_the_figures(client, act_as, known, tmp_path):
    act_as("cem")
    response = client.get(f"{REPORT}.pdf", query_string=PERIOD)
    assert response.mimetype == "application/pdf"
    info, text = pdf_text(tmp_path, response.data)
    assert "Title:" in info and "Six-monthly report to the Customer Experience Committee" in info
    assert "Tagged:          yes" in info
    words = " ".join(text.split())
    for expected in ("Incidents by channel", "By phone 12 8 +4 80%", "Colleague injured 2 0 +2"):
        assert expected in words, words


def test_the_cem_issues_the_report_frozen_and_audited(client, act_as, post, known, tmp_path):
    cem = act_as("cem")
    response = issue(post, committee="health_and_safety")
    assert response.status_code == 303
    issued = db.session.scalar(select(IssuedReport))
    assert response.headers["Location"].endswith(f"{ISSUED}/{issued.id}")
    assert (issued.meeting_date.isoformat(), issued.issued_by_id) == ("2026-12-10", cem.id)
    assert len(issued.content_sha256) == 64
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "committee_report.issued")
    )
    assert event.entity_id == issued.id and event.after["content_sha256"] == issued.content_sha256

    known.scale = 10  # the records change after issuing
    page = check_page(client.get(f"{ISSUED}/{issued.id}"))
    text = page.get_text(" ", strip=True)
    assert issued.content_sha256 in text and "still match the fingerprint" in text
    table = page.find(id="table-incidents-by_channel")
    assert [td.get_text() for td in table("tr")[1]("td")][:2] == ["12", "8"]
    live = check_page(client.get(REPORT)).find(id="table-incidents-by_channel")
    assert [td.get_text() for td in live("tr")[1]("td")][:2] == ["120", "8"]

    heading, rows = read_csv(client.get(f"{ISSUED}/{issued.id}.csv"))
    assert ["SHA-256", issued.content_sha256] in heading
    assert ["Meeting date", "2026-12-10"] in heading
    assert rows[0]["What is counted"] == "Colleague injured" and rows[0]["This period"] == "2"
    info, pdf = pdf_text(tmp_path, client.get(f"{ISSUED}/{issued.id}.pdf").data)
    assert "Health & Safety Committee" in info
    assert "By phone 12 8 +4 80%" in " ".join(pdf.split())
    assert issued.content_sha256 in pdf.replace("\n", "").replace(" ", "")

    listing = check_page(client.get(ISSUED)).find(id="issued-reports")
    assert "Health & Safety Committee" in listing.get_text()


def test_a_changed_issued_copy_is_shown_as_no_longer_matching(client, act_as, post, known):
    act_as("cem")
    issue(post)
    issued = db.session.scalar(select(IssuedReport))
    content = dict(issued.content, notes=["changed afterwards"])
    db.session.execute(
        update(IssuedReport).where(IssuedReport.id == issued.id).values(content=content)
    )
    db.session.commit()
    page = check_page(client.get(f"{ISSUED}/{issued.id}"))
    assert "no longer match the fingerprint" in page.find(id="hash-check").get_text()


def test_the_same_report_cannot_be_issued_twice_for_one_meeting(client, act_as, post, known):
    act_as("cem")
    assert issue(post).status_code == 303
    act_as("panel")
    again = check_page(issue(post), 409)
    assert "already been issued to this committee" in again.get_text()
    assert issued_count() == 1
    assert issue(post, committee="health_and_safety").status_code == 303  # another committee
    assert issue(post, meeting="2027-01-14").status_code == 303  # another meeting
    assert issued_count() == 3


def test_one_form_sent_twice_issues_once(client, act_as, post, token, known):
    act_as("cem")
    page = check_page(client.get(REPORT))
    key = page.find("input", attrs={"name": "issue-submission_key"})["value"]
    data = {
        "issue-submission_key": key,
        "issue-start": "2026-04-01",
        "issue-end": "2026-09-30",
        "issue-committee": "customer_experience",
        "issue-meeting_date": "2026-12-10",
    }
    first = post(ISSUE, data, token_from=REPORT, prefix="issue-")
    second = post(ISSUE, data, token_from=REPORT, prefix="issue-")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert issued_count() == 1


@pytest.mark.parametrize(
    ("meeting", "says"),
    [
        ("", "Enter the date of the committee meeting"),
        ("2026-02-30", "Enter a real date"),
        ("10/12/2026", "Enter a real date"),
        ("2026-09-30", "after the period ends"),  # the period's last day
        ("2028-11-25", "within the next 2 years"),  # 733 days after the frozen day
    ],
)
def test_a_bad_meeting_date_is_told_beside_the_field(client, act_as, post, known, meeting, says):
    act_as("cem")
    assert_field_error(issue(post, meeting=meeting), "issue-meeting_date", says)
    assert issued_count() == 0


@pytest.mark.parametrize("meeting", ["2026-10-01", "2026-11-23", "2028-11-24"])
def test_meeting_dates_just_inside_the_limits_are_taken(client, act_as, post, known, meeting):
    act_as("cem")
    assert issue(post, meeting=meeting).status_code == 303


@pytest.mark.parametrize(("meeting", "status"), [("2025-11-21", 422), ("2025-11-22", 303)])
def test_a_meeting_more_than_a_year_ago_is_refused(client, act_as, post, known, meeting, status):
    act_as("cem")
    old_period = {"start": "2024-10-01", "end": "2025-03-31"}
    response = issue(post, meeting=meeting, **old_period)
    if status == 422:
        assert_field_error(response, "issue-meeting_date", "within the last year")
    else:
        assert response.status_code == 303


@pytest.mark.parametrize(
    ("period", "says"),
    [
        ({"start": "2026-10-01", "end": "2026-11-23"}, "period that has ended"),
        ({"start": "2026-09-30", "end": "2026-04-01"}, "on or after the first day"),
        ({"start": "garbage", "end": "2026-09-30"}, "first day of the period"),
        ({"start": "2023-01-01", "end": "2026-09-30"}, "no more than 3 years"),
    ],
)
def test_a_period_that_cannot_be_issued_is_refused(client, act_as, post, known, period, says):
    act_as("cem")
    page = check_page(issue(post, meeting="2026-12-10", **period), 422)
    assert says in " ".join(errors_on(page).values())
    assert issued_count() == 0


def test_an_unknown_committee_is_refused(client, act_as, post, known):
    act_as("cem")
    page = check_page(issue(post, committee="board"), 422)
    assert "Choose the committee" in page.get_text()
    assert issued_count() == 0


def test_a_form_without_or_with_a_forged_csrf_token_issues_nothing(client, act_as, known):
    act_as("cem")
    data = {
        "issue-start": "2026-04-01",
        "issue-end": "2026-09-30",
        "issue-meeting_date": "2026-12-10",
    }
    assert client.post(ISSUE, data=data).status_code == 400
    forged = {**data, "issue-csrf_token": "forged"}
    assert client.post(ISSUE, data=forged).status_code == 400
    assert issued_count() == 0


@pytest.mark.parametrize("ident", ["999", "2147483648", "99999999999999999999"])
def test_an_unknown_issued_report_is_not_found(client, act_as, ident):
    act_as("cem")
    for ending in ("", ".csv", ".pdf"):
        assert client.get(f"{ISSUED}/{ident}{ending}").status_code == 404
    assert client.get(f"{ISSUED}/abc").status_code == 404


def test_the_issued_list_reads_sensibly_when_empty(client, act_as):
    act_as("glt")
    assert "No report has been issued yet." in check_page(client.get(ISSUED)).get_text()
