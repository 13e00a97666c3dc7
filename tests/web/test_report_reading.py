"""Reading the six-monthly committee report at a glance (§10.3): the usual periods offered as
plain links (on both sides of 1 April and 1 October, by the London day), each section's
summary linked to it in the order the chosen committee reads them, a table named as its
section not headed twice, and the chart's legend dated as the page is."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.reports import figures
from portal.reports.shape import Report, Row, Section, Table
from tests.pages import check_page
from tests.web.report_fixtures import known_report

REPORT = "/staff/reports"

pytestmark = pytest.mark.policy("10.3")


@pytest.fixture
def known(monkeypatch):
    monkeypatch.setattr(figures, "work_out", known_report)


def quick_links(page) -> dict[str, tuple[str, str, str]]:
    """Each usual period's link: its words → (start, end, committee) it asks for."""
    found = {}
    for link in page.select(".report-quick a"):
        query = parse_qs(urlsplit(link["href"]).query)
        found[link.get_text(strip=True)] = (
            query["start"][0],
            query["end"][0],
            query["committee"][0],
        )
    return found


LAST, BEFORE, SO_FAR = (
    "Last complete half-year",
    "The half-year before that",
    "This financial year so far",
)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(
            datetime(2026, 3, 31, 22, 59, tzinfo=UTC),  # 23:59 on 31 March in London (BST)
            {
                LAST: ("2025-04-01", "2025-09-30"),
                BEFORE: ("2024-10-01", "2025-03-31"),
                SO_FAR: ("2025-04-01", "2026-03-30"),
            },
            id="31-march",
        ),
        pytest.param(
            datetime(2026, 3, 31, 23, 30, tzinfo=UTC),  # already 1 April in London
            {LAST: ("2025-10-01", "2026-03-31"), BEFORE: ("2025-04-01", "2025-09-30")},
            id="1-april-no-day-of-the-year-over",
        ),
        pytest.param(
            datetime(2026, 4, 2, 9, tzinfo=UTC),
            {
                LAST: ("2025-10-01", "2026-03-31"),
                BEFORE: ("2025-04-01", "2025-09-30"),
                SO_FAR: ("2026-04-01", "2026-04-01"),
            },
            id="2-april",
        ),
        pytest.param(
            datetime(2026, 9, 30, 12, tzinfo=UTC),
            {
                LAST: ("2025-10-01", "2026-03-31"),
                BEFORE: ("2025-04-01", "2025-09-30"),
                SO_FAR: ("2026-04-01", "2026-09-29"),
            },
            id="30-september",
        ),
        pytest.param(
            datetime(2026, 10, 1, 9, tzinfo=UTC),
            {
                LAST: ("2026-04-01", "2026-09-30"),
                BEFORE: ("2025-10-01", "2026-03-31"),
                SO_FAR: ("2026-04-01", "2026-09-30"),
            },
            id="1-october",
        ),
    ],
)
def test_the_usual_periods_are_links_for_the_chosen_committee(
    client, act_as, clock, known, now, expected
):
    clock.now = now
    act_as("cem")
    page = check_page(client.get(REPORT, query_string={"committee": "health_and_safety"}))
    links = quick_links(page)
    assert list(links) == list(expected)  # in this order; "so far" only once a day is over
    for words, (start, end) in expected.items():
        assert links[words] == (start, end, "health_and_safety")
    shown = page.select(".report-quick a[aria-current]")  # the default is the last half-year
    same = [words for words, days in expected.items() if days == expected[LAST]]
    assert [a.get_text(strip=True) for a in shown] == same  # on 1 October, two are the same


def test_following_a_usual_period_shows_it_and_marks_it(client, act_as, known):
    act_as("panel")  # the frozen day is 23 November 2026
    page = check_page(client.get(REPORT, query_string={"committee": "customer_experience"}))
    href = page.find("a", string="The half-year before that")["href"]
    chosen = check_page(client.get(href))
    assert chosen.find(id="start")["value"] == "2025-10-01"
    assert chosen.find(id="end")["value"] == "2026-03-31"
    marked = chosen.select(".report-quick a[aria-current]")
    assert [a.get_text(strip=True) for a in marked] == ["The half-year before that"]
    days = chosen.find("a", string="This financial year so far").find_next_sibling("span")
    assert days.get_text(strip=True) == "1 April 2026 – 22 November 2026"


@pytest.mark.parametrize(
    ("committee", "order"),
    [
        ("customer_experience", ["incidents", "colleague_safety"]),
        ("health_and_safety", ["colleague_safety", "incidents"]),
    ],
)
def test_at_a_glance_links_each_summary_in_the_committees_order(
    client, act_as, known, committee, order
):
    act_as("cem")
    page = check_page(client.get(REPORT, query_string={"committee": committee}))
    glance = page.find(id="at-a-glance")
    assert glance.find(id="glance-heading").get_text(strip=True) == "At a glance"
    links = [a["href"] for a in glance.select("li > a")]
    assert links == [f"#report-section-{key}" for key in order]
    for key in order:  # every link lands on its section
        assert page.find(id=f"report-section-{key}").name == "section"
    items = {a["href"]: a.parent.get_text(" ", strip=True) for a in glance.select("li > a")}
    assert items["#report-section-incidents"] == "Incidents Incidents rose this period."
    assert items["#report-section-colleague_safety"] == "Colleague safety"  # no summary
    # After the period and the downloads, before the first section.
    downloads = page.select_one(".report-downloads")
    assert downloads in glance.find_all_previous("ul")
    assert glance.find_next("section")["id"] == f"report-section-{order[0]}"


def test_a_table_named_as_its_section_is_not_headed_twice(client, act_as, monkeypatch):
    def work_out(period, now):
        same = Table("safety", "Colleague safety", (Row("hurt", "Injured", 1, 0),))
        other = Table("alerts", "Alerts raised", (Row("raised", "Raised", 2, 2),))
        sections = (
            Section("colleague_safety", "Colleague safety", (same,)),
            Section("alerts", "Alerts", (other,)),
        )
        return Report(period, period.previous(), sections, now)

    monkeypatch.setattr(figures, "work_out", work_out)
    act_as("cem")
    page = check_page(client.get(REPORT))
    headings = [
        h.get_text(strip=True) for h in page.select(".report-section h3, .report-section h4")
    ]
    assert headings == ["Colleague safety", "Alerts", "Alerts raised"]
    caption = page.find(id="table-colleague_safety-safety").caption.get_text(strip=True)
    assert caption == "Colleague safety"  # the table keeps its name
    change = page.find(id="table-alerts-alerts").tbody.find("td", class_="num").find_next("td")
    assert [td.get_text() for td in change.parent("td")] == ["2", "2", "0"]


def test_the_legend_dates_the_periods_as_the_page_does(client, act_as, known):
    act_as("cem")
    page = check_page(client.get(REPORT, query_string={"start": "2026-04-01", "end": "2026-09-30"}))
    legend = [t.get_text() for t in page.find(id="chart-incidents-by_channel")("text")][:2]
    assert legend == [
        "This period (1 April 2026 to 30 September 2026)",
        "Previous period (1 October 2025 to 31 March 2026)",
    ]
    assert "2026-04-01" not in page.find(id="chart-incidents-by_channel").get_text()


def test_the_pdf_opens_with_at_a_glance(client, act_as, known, tmp_path):
    act_as("cem")
    path = tmp_path / "report.pdf"
    path.write_bytes(
        client.get(f"{REPORT}.pdf", query_string={"committee": "health_and_safety"}).data
    )
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    words = " ".join(text.stdout.split())
    glance = words.index("At a glance")
    assert words.index("Colleague safety", glance) < words.index("Incidents rose", glance)
    assert "Change since the previous period" not in words  # the hidden words stay hidden
