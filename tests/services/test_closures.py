"""Closure days: when the calendar changes, open deadlines are recomputed and audited (spec §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.auth.models import Role
from portal.deadlines import add_closure, remove_closure
from portal.errors import ServiceError
from portal.workdays.services import load_calendar

REPORTED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday
CHANGED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.mark.policy("8.7")
def test_a_closure_day_moves_an_open_working_day_review_deadline(
    working_day_reviews, make_incident, customer, admin, audit_events
):
    incident = make_incident(customer, now=REPORTED)
    assert incident.review_due_on == date(2026, 11, 30)

    add_closure(admin, CHANGED, date(2026, 11, 27), "Staff training day")

    assert incident.review_due_on == date(2026, 12, 1)
    [event] = audit_events("incident.review_due_recomputed", entity_id=incident.id)
    assert event.actor_id == admin.id
    assert event.at == CHANGED
    assert event.before == {"review_due_on": "2026-11-30"}
    assert event.after == {"review_due_on": "2026-12-01", "closure_added": "2026-11-27"}


@pytest.mark.policy("8.7")
def test_removing_the_closure_moves_the_deadline_back(
    working_day_reviews, make_incident, customer, admin, audit_events
):
    incident = make_incident(customer, now=REPORTED)
    closure = add_closure(admin, CHANGED, date(2026, 11, 27), "Staff training day")

    remove_closure(admin, CHANGED, closure)

    assert incident.review_due_on == date(2026, 11, 30)
    assert [e.after["review_due_on"] for e in audit_events("incident.review_due_recomputed")] == [
        "2026-12-01",
        "2026-11-30",
    ]


@pytest.mark.policy("8.7")
def test_a_closure_after_the_deadline_changes_nothing(
    working_day_reviews, make_incident, customer, admin, audit_events
):
    incident = make_incident(customer, now=REPORTED)

    add_closure(admin, CHANGED, date(2026, 12, 24), "Christmas closure")

    assert incident.review_due_on == date(2026, 11, 30)
    assert audit_events("incident.review_due_recomputed") == []


@pytest.mark.policy("8.7")
def test_calendar_day_deadlines_do_not_move_for_a_closure(
    org, make_incident, customer, admin, audit_events
):
    incident = make_incident(customer, now=REPORTED)

    add_closure(admin, CHANGED, date(2026, 11, 26), "Staff training day")

    assert incident.review_due_on == date(2026, 11, 28)
    assert audit_events("incident.review_due_recomputed") == []


def test_a_reviewed_incident_keeps_its_deadline(
    working_day_reviews, make_incident, review_incident, customer, admin, audit_events
):
    reviewed = make_incident(customer, now=REPORTED)
    review_incident(reviewed, CHANGED)
    open_one = make_incident(customer, now=REPORTED)

    add_closure(admin, CHANGED, date(2026, 11, 27), "Staff training day")

    assert reviewed.review_due_on == date(2026, 11, 30)
    assert open_one.review_due_on == date(2026, 12, 1)
    assert [e.entity_id for e in audit_events("incident.review_due_recomputed")] == [open_one.id]


def test_a_new_report_counts_the_closure(working_day_reviews, make_incident, customer, admin):
    add_closure(admin, CHANGED, date(2026, 12, 1), "Office move")

    incident = make_incident(customer, now=CHANGED)

    assert incident.review_due_on == date(2026, 12, 2)


def test_the_closure_is_audited_and_in_the_calendar(admin, audit_events):
    closure = add_closure(admin, CHANGED, date(2026, 12, 24), "  Christmas closure  ")

    assert closure.reason == "Christmas closure"
    assert closure.added_by_id == admin.id
    assert load_calendar().non_working_reason(date(2026, 12, 24)) == (
        "organisation closed: Christmas closure"
    )
    [event] = audit_events("closure.added")
    assert event.after == {"day": "2026-12-24", "reason": "Christmas closure"}


def test_a_day_is_closed_only_once(admin):
    add_closure(admin, CHANGED, date(2026, 12, 24), "Christmas closure")

    with pytest.raises(ServiceError) as caught:
        add_closure(admin, CHANGED, date(2026, 12, 24), "Again")

    assert caught.value.codes == {"day": "closure.day_taken"}
    assert caught.value.errors == {"day": "24 December 2026 is already a closure day"}


def test_a_closure_needs_a_reason(admin):
    with pytest.raises(ServiceError) as caught:
        add_closure(admin, CHANGED, date(2026, 12, 24), "   ")

    assert caught.value.codes == {"reason": "closure.reason_missing"}
