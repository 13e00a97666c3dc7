"""The six-monthly report's figures (§10.3) against a hand-counted fixture.

The report is for April–September 2026; the previous period is October 2025 – March 2026.
Both boundaries fall in British Summer Time, so 23:59 in London on the last day is 22:59 UTC
and midnight in London on the next day is 23:00 UTC the same UTC day."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event

from portal import db
from portal.customers.models import CustomerType
from portal.incidents.catalogue import Category, Channel
from portal.panel.models import Outcome
from portal.reports.figures import work_out
from portal.reports.shape import COLLEAGUE_SAFETY, Committee, Period
from tests.figures_builders import NOW, PERIOD, Maker, at
from tests.figures_hand_count import EXPECTED, build

pytestmark = pytest.mark.policy("10.3")


@pytest.fixture
def maker(app, make_staff, make_customer):
    return Maker(
        make_staff(),
        make_staff(),
        {t: make_customer(customer_type=t) for t in CustomerType},
    )


def test_every_figure_matches_the_hand_count(maker):
    build(maker)
    report = work_out(PERIOD, NOW)
    assert report.previous == Period(date(2025, 10, 1), date(2026, 3, 31))
    seen = {}
    for section in report.sections:
        for table in section.tables:
            seen[table.key] = {r.key: (r.current, r.previous) for r in table.rows}
            assert table.note, table.key
            assert all(r.label for r in table.rows), table.key
    assert seen == EXPECTED
    # Service areas: most this period first; the blank one is "Not recorded".
    assert [r.key for r in report.table("incidents_by_service_area").rows] == [
        "repairs",
        "not_recorded",
        "lettings",
    ]
    assert report.row("incidents_by_service_area", "not_recorded").label == "Not recorded"
    # "Repairs" and "repairs " are one area.
    assert report.row("incidents_by_service_area", "repairs").label == "Repairs"
    assert not report.table("incidents_by_category").parts
    assert "more than one" in report.table("incidents_by_category").note


def test_sections_and_summaries(maker):
    build(maker)
    report = work_out(PERIOD, NOW)
    assert [s.key for s in report.sections] == [
        "incidents",
        "actions",
        "restrictions",
        "reviews",
        "appeals",
        "panel",
        COLLEAGUE_SAFETY,
    ]
    assert report.section("incidents").summary == (
        "3 incidents were reported, 1 more than in the previous period."
    )
    assert report.section("appeals").summary == (
        "3 appeals were received, the same as in the previous period."
    )
    assert report.section(COLLEAGUE_SAFETY).summary == (
        "2 incidents caused an injury, 2 more than in the previous period."
    )
    assert report.for_committee(Committee.HEALTH_AND_SAFETY)[0].key == COLLEAGUE_SAFETY
    assert all(s.summary.endswith(".") for s in report.sections)


def test_an_empty_register_gives_every_row_at_zero(app):
    report = work_out(PERIOD, NOW)
    assert report.section("incidents").summary == (
        "0 incidents were reported, the same as in the previous period."
    )
    for key, rows in EXPECTED.items():
        table = report.table(key)
        if key == "incidents_by_service_area":
            assert table.rows == ()
            continue
        assert [r.key for r in table.rows] == list(rows)
        assert all(r.current == r.previous == 0 for r in table.rows)


def _statements(work) -> int:
    engine = db.session.get_bind()
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_data(maker):
    from portal.organisation.services import get_organisation

    get_organisation()  # the organisation's row exists in every running portal
    db.session.commit()
    empty = _statements(lambda: work_out(PERIOD, NOW))
    build(maker)
    full = _statements(lambda: work_out(PERIOD, NOW))
    customer = maker.customers[CustomerType.TENANT]
    for day in range(1, 29):
        incident = maker.incident(
            customer,
            at(2026, 6, day),
            Channel.PHONE,
            f"Area {day % 4}",
            [Category.AGGRESSIVE],
            date(2026, 7, day),
        )
        maker.review(incident, at(2026, 7, day), Outcome.NO_ACTION)
    db.session.commit()
    more = _statements(lambda: work_out(PERIOD, NOW))
    assert empty == full == more
    assert more <= 25


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 9, 30), date(2025, 10, 1), date(2026, 3, 31)),
        (date(2026, 10, 1), date(2026, 4, 1), date(2026, 9, 30)),
        (date(2027, 3, 31), date(2026, 4, 1), date(2026, 9, 30)),
        (date(2027, 4, 1), date(2026, 10, 1), date(2027, 3, 31)),
        (date(2026, 11, 23), date(2026, 4, 1), date(2026, 9, 30)),
    ],
)
def test_the_last_complete_half_year(today, start, end):
    assert Period.last_complete_half_year(today) == Period(start, end)


def test_the_previous_period():
    assert Period(date(2026, 4, 1), date(2026, 9, 30)).previous() == Period(
        date(2025, 10, 1), date(2026, 3, 31)
    )
    assert Period(date(2025, 10, 1), date(2026, 3, 31)).previous() == Period(
        date(2025, 4, 1), date(2025, 9, 30)
    )
    # Not whole months: the same number of days just before.
    assert Period(date(2026, 4, 10), date(2026, 4, 19)).previous() == Period(
        date(2026, 3, 31), date(2026, 4, 9)
    )
    # The boundaries are London midnights (British Summer Time here).
    assert PERIOD.starts_at == datetime.fromisoformat("2026-03-31T23:00:00+00:00")
    assert PERIOD.ends_before == datetime.fromisoformat("2026-09-30T23:00:00+00:00")


@pytest.mark.policy("10.3")
@pytest.mark.policy("8.7")
@pytest.mark.parametrize(
    ("days", "unit", "title"),
    [
        (5, "calendar", "Panel reviews within 5 days"),
        (1, "calendar", "Panel reviews within 1 day"),
        (7, "working", "Panel reviews within 7 working days"),
    ],
)
def test_the_panel_deadline_is_named_as_the_organisation_sets_it(app, days, unit, title):
    """Five days as the policy writes them by default, calendar days unless the setting says
    working days: the report names the deadline its figures were counted against."""
    from portal.organisation.services import get_organisation

    org = get_organisation()
    org.panel_review_days, org.panel_review_unit = days, unit
    db.session.commit()
    report = work_out(PERIOD, NOW)
    assert report.table("panel_review_timeliness").title == title
    assert report.section("panel").title == title
