"""The Panel reviews each report within 5 days of it being reported (§8.7, §8.10, §8.12).

Calendar days as written; the unit is a setting (organisation.panel_review_unit).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.incidents.models import Incident, IncidentStatus
from portal.incidents.queries import incident_record, panel_queue


def utc(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.mark.policy("8.7", "8.10", "8.12")
def test_review_is_due_5_calendar_days_after_reporting(org, make_incident, customer):
    incident = make_incident(customer, now=utc(2026, 11, 23))

    assert (org.panel_review_days, org.panel_review_unit) == (5, "calendar")
    assert incident.review_due_on == date(2026, 11, 28)  # a Saturday: calendar days


@pytest.mark.policy("8.7")
def test_calendar_days_ignore_the_cut_off(org, make_incident, customer):
    incident = make_incident(customer, now=utc(2026, 11, 23, 18, 30))

    assert incident.review_due_on == date(2026, 11, 28)


@pytest.mark.policy("8.7")
def test_calendar_days_count_from_the_london_date(org, make_incident, customer):
    # 23:30 UTC on Sunday 12 July 2026 is 00:30 BST on Monday 13 July.
    incident = make_incident(customer, now=utc(2026, 7, 12, 23, 30))

    assert incident.review_due_on == date(2026, 7, 18)


@pytest.mark.policy("8.7")
def test_review_in_working_days_skips_the_weekend(working_day_reviews, make_incident, customer):
    incident = make_incident(customer, now=utc(2026, 11, 23))

    assert incident.review_due_on == date(2026, 11, 30)


@pytest.mark.policy("8.7")
def test_review_in_working_days_respects_the_cut_off(working_day_reviews, make_incident, customer):
    before = make_incident(customer, now=utc(2026, 11, 23, 16, 59))
    after = make_incident(customer, now=utc(2026, 11, 23, 17, 0))

    assert before.review_due_on == date(2026, 11, 30)
    assert after.review_due_on == date(2026, 12, 1)


@pytest.mark.policy("8.7")
def test_review_in_working_days_skips_easter(working_day_reviews, make_incident, customer):
    incident = make_incident(customer, now=utc(2027, 3, 19))

    assert incident.review_due_on == date(2027, 3, 30)


@pytest.mark.policy("8.7")
def test_the_number_of_days_is_a_setting(org, make_incident, customer, session):
    org.panel_review_days = 3
    session.commit()

    assert make_incident(customer, now=utc(2026, 11, 23)).review_due_on == date(2026, 11, 26)


@pytest.mark.policy("8.7")
def test_a_review_is_not_overdue_on_day_5_and_is_overdue_on_day_6(make_incident, customer):
    incident = make_incident(customer, now=utc(2026, 11, 23))

    assert incident.review_overdue(date(2026, 11, 23)) is False
    assert incident.review_overdue(date(2026, 11, 28)) is False
    assert incident.review_overdue(date(2026, 11, 29)) is True


@pytest.mark.policy("8.7")
def test_a_reviewed_incident_is_never_overdue(make_incident, review_incident, customer):
    incident = make_incident(customer, now=utc(2026, 11, 23))
    review_incident(incident, utc(2026, 11, 30))

    assert incident.status == IncidentStatus.REVIEWED
    assert incident.review_overdue(date(2026, 12, 25)) is False


@pytest.mark.policy("8.7")
def test_the_panel_queue_shows_the_most_overdue_first(make_incident, review_incident, customer):
    newer = make_incident(customer, now=utc(2026, 11, 20))
    older = make_incident(customer, now=utc(2026, 11, 16))
    reviewed = make_incident(customer, now=utc(2026, 11, 10))
    review_incident(reviewed, utc(2026, 11, 12))

    queue = panel_queue(limit_to_asb=False)

    assert [i.id for i in queue] == [older.id, newer.id]
    assert all(isinstance(i, Incident) for i in queue)


@pytest.mark.policy("8.7")
@pytest.mark.parametrize(
    ("reviewed_at", "late"),
    [
        (utc(2026, 11, 28, 23, 59), False),  # day 5, late evening (GMT)
        (utc(2026, 11, 29, 0, 1), True),  # day 6
    ],
)
def test_a_late_review_is_recorded_as_late(
    make_incident, review_incident, customer, audit_events, reviewed_at, late
):
    incident = make_incident(customer, now=utc(2026, 11, 23))
    review_incident(incident, reviewed_at)

    [event] = audit_events("incident.reviewed")
    assert event.after["late"] is late


@pytest.mark.policy("8.7")
def test_lateness_is_judged_by_the_london_date(
    make_incident, review_incident, customer, audit_events
):
    # Reported Mon 13 July 2026, due Sat 18 July. 23:30 UTC on 18 July is 00:30 BST on the
    # 19th, day 6 in London, so the review is late.
    incident = make_incident(customer, now=utc(2026, 7, 13))
    review_incident(incident, utc(2026, 7, 18, 23, 30))

    [event] = audit_events("incident.reviewed")
    assert incident.review_due_on == date(2026, 7, 18)
    assert event.after["late"] is True


@pytest.mark.policy("8.7")
def test_the_incident_page_is_handed_the_due_date_and_how_it_was_counted(
    working_day_reviews, make_incident, customer
):
    incident = make_incident(customer, now=utc(2026, 11, 23))

    record = incident_record(incident)

    assert (record.review, record.warning) == (None, None)
    assert record.deadline.due == incident.review_due_on == date(2026, 11, 30)
    lines = record.deadline.explain()
    assert "Not counted: Saturday 28 November 2026 (Saturday)" in lines
    assert lines[-1] == "Due: Monday 30 November 2026"


def test_once_reviewed_the_incident_page_has_the_review_and_no_deadline(
    make_incident, review_incident, customer
):
    incident = make_incident(customer, now=utc(2026, 11, 23))
    review = review_incident(incident, utc(2026, 11, 24))

    record = incident_record(incident)

    assert record.review == review and record.review.gives_warning
    assert record.deadline is None
