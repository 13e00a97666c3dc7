"""A closure day moves every stored deadline still to come: the last day to appeal (§9.1, §8.20)
and the expected outcome of an appeal (§9.1, §9.3, §9.4), each move audited and explained.

Christmas and New Year 2026-27: Fri 25 Dec, Mon 28 Dec (Boxing Day, substitute) and Fri 1 Jan
are bank holidays. A decision handed over on Mon 30 Nov 2026 can be appealed until Wed 30 Dec.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import db
from portal.appeals import services as appeals
from portal.auth.models import Role
from portal.deadlines import (
    CalendarChange,
    add_closure,
    moved_dates,
    recompute_open_deadlines,
    recomputed_date,
    remove_closure,
)
from portal.workdays import services as workdays

NOTIFIED = datetime(2026, 11, 30, 10, tzinfo=UTC)  # Monday; appeal by Wed 30 Dec 2026
CHANGED = datetime(2026, 12, 7, 9, tzinfo=UTC)  # a Monday, well before the deadline
DEADLINE = date(2026, 12, 30)


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def decision(restriction_in_force, clock):
    clock.now = NOTIFIED
    restriction = restriction_in_force(now=NOTIFIED)
    assert restriction.appeal_deadline == DEADLINE
    return restriction


def _acknowledged(decision, cem):
    """An appeal sent on Tue 1 Dec 2026 and acknowledged the next day: the customer is told
    the outcome by Thu 31 Dec (5 + 10 + 5 working days over Christmas)."""
    sent = datetime(2026, 12, 1, 10, tzinfo=UTC)
    appeal = appeals.start_draft(sent, decision)
    appeals.save_answers(sent, appeal, appeals.Answers(grounds="The report was mistaken."))
    appeals.lodge(decision.customer, sent, appeal, "key-1")
    appeals.acknowledge(cem, datetime(2026, 12, 2, 10, tzinfo=UTC), appeal)
    db.session.commit()
    assert appeal.expected_outcome_on == date(2026, 12, 31)
    return appeal


@pytest.mark.policy("9.1", "8.20")
def test_a_closure_the_day_before_the_last_day_to_appeal_moves_it(decision, admin, audit_events):
    add_closure(admin, CHANGED, date(2026, 12, 29), "Christmas closure")

    assert decision.appeal_deadline == date(2026, 12, 31)
    [event] = audit_events("restriction.appeal_deadline_recomputed", entity_id=decision.id)
    assert event.actor_id == admin.id
    assert event.at == CHANGED
    assert event.before == {"appeal_deadline": "2026-12-30"}
    assert event.after == {"appeal_deadline": "2026-12-31", "closure_added": "2026-12-29"}


@pytest.mark.policy("9.1", "8.20")
def test_a_closure_on_the_last_day_to_appeal_moves_it_to_the_next_working_day(decision, admin):
    add_closure(admin, CHANGED, DEADLINE, "Christmas closure")

    assert decision.appeal_deadline == date(2026, 12, 31)


@pytest.mark.policy("9.1", "8.20")
def test_a_closure_after_the_last_day_to_appeal_changes_nothing(decision, admin, audit_events):
    add_closure(admin, CHANGED, date(2026, 12, 31), "Christmas closure")

    assert decision.appeal_deadline == DEADLINE
    assert audit_events("restriction.appeal_deadline_recomputed") == []


@pytest.mark.policy("9.1", "9.2")
def test_a_last_day_to_appeal_already_passed_never_moves(decision, admin, audit_events):
    add_closure(admin, datetime(2027, 1, 4, 9, tzinfo=UTC), date(2026, 12, 29), "Late entry")

    assert decision.appeal_deadline == DEADLINE
    assert audit_events("restriction.appeal_deadline_recomputed") == []


@pytest.mark.policy("9.1", "9.2")
def test_a_last_day_to_appeal_that_is_today_still_moves(decision, admin):
    add_closure(admin, datetime(2026, 12, 30, 9, tzinfo=UTC), date(2026, 12, 29), "Late entry")

    assert decision.appeal_deadline == date(2026, 12, 31)


@pytest.mark.policy("9.1", "8.20")
def test_removing_the_closure_moves_the_last_day_to_appeal_back(decision, admin, audit_events):
    closure = add_closure(admin, CHANGED, date(2026, 12, 29), "Christmas closure")

    remove_closure(admin, CHANGED, closure)

    assert decision.appeal_deadline == DEADLINE
    events = audit_events("restriction.appeal_deadline_recomputed", entity_id=decision.id)
    assert [e.after for e in events] == [
        {"appeal_deadline": "2026-12-31", "closure_added": "2026-12-29"},
        {"appeal_deadline": "2026-12-30", "closure_removed": "2026-12-29"},
    ]


@pytest.mark.policy("9.1", "8.20")
def test_removing_a_closure_never_takes_back_a_day_the_letter_gave(
    restriction_in_force, clock, admin, audit_events
):
    closure = add_closure(admin, datetime(2026, 11, 2, 9, tzinfo=UTC), DEADLINE, "Christmas")
    clock.now = NOTIFIED
    restriction = restriction_in_force(now=NOTIFIED)
    assert restriction.appeal_deadline == date(2026, 12, 31)  # the letter says so

    remove_closure(admin, CHANGED, closure)

    assert restriction.appeal_deadline == date(2026, 12, 31)
    assert audit_events("restriction.appeal_deadline_recomputed") == []


@pytest.mark.policy("9.1")
def test_a_draft_appeal_keeps_the_moved_last_day_and_a_sent_one_keeps_its_own(
    decision, restriction_in_force, admin, audit_events
):
    draft = appeals.start_draft(NOTIFIED, decision)
    other = restriction_in_force(now=NOTIFIED)
    sent = appeals.start_draft(NOTIFIED, other)
    appeals.save_answers(NOTIFIED, sent, appeals.Answers(grounds="The report was mistaken."))
    appeals.lodge(other.customer, NOTIFIED, sent, "key-2")
    db.session.commit()

    add_closure(admin, CHANGED, date(2026, 12, 29), "Christmas closure")

    assert draft.deadline == date(2026, 12, 31)
    assert sent.deadline == DEADLINE
    assert other.appeal_deadline == DEADLINE  # appealed already: the last day has done its work
    [event] = audit_events("appeal.deadlines_recomputed")
    assert event.entity_id == draft.id
    assert event.after == {"deadline": "2026-12-31", "closure_added": "2026-12-29"}


def _sent_on(decision, sent: datetime):
    appeal = appeals.start_draft(sent, decision)
    appeals.save_answers(sent, appeal, appeals.Answers(grounds="The report was mistaken."))
    appeals.lodge(decision.customer, sent, appeal, "key-3")
    db.session.commit()
    return appeal


@pytest.mark.policy("9.1")
def test_an_appeal_sent_on_a_day_then_closed_counts_from_the_next_working_day(
    decision, admin, audit_events
):
    appeal = _sent_on(decision, CHANGED)  # Monday 7 December, before the cut-off
    assert appeal.counted_from == date(2026, 12, 7)

    add_closure(admin, CHANGED, date(2026, 12, 7), "Flood")

    assert appeal.counted_from == date(2026, 12, 8)
    [event] = audit_events("appeal.deadlines_recomputed", entity_id=appeal.id)
    assert event.before == {"counted_from": "2026-12-07"}
    assert event.after == {"counted_from": "2026-12-08", "closure_added": "2026-12-07"}
    assert moved_dates(appeal).note(appeal, "counted_from") == (
        "Moved because of the closure on Monday 7 December 2026."
    )


@pytest.mark.policy("9.1")
def test_the_day_an_appeal_counted_from_never_moves_once_past(decision, admin, audit_events):
    appeal = _sent_on(decision, CHANGED)

    add_closure(admin, datetime(2026, 12, 8, 9, tzinfo=UTC), date(2026, 12, 7), "Late entry")

    assert appeal.counted_from == date(2026, 12, 7)
    assert audit_events("appeal.deadlines_recomputed", entity_id=appeal.id) == []


@pytest.mark.policy("9.1", "9.3", "9.4")
def test_a_christmas_closure_moves_the_expected_outcome_over_new_year(
    decision, cem, admin, audit_events
):
    appeal = _acknowledged(decision, cem)

    moved = add_closure(admin, CHANGED, date(2026, 12, 29), "Christmas closure")

    assert appeal.expected_outcome_on == date(2027, 1, 4)  # past Thu 31 Dec and New Year's Day
    [event] = audit_events("appeal.deadlines_recomputed", entity_id=appeal.id)
    assert event.before == {"expected_outcome_on": "2026-12-31"}
    assert event.after == {"expected_outcome_on": "2027-01-04", "closure_added": "2026-12-29"}

    remove_closure(admin, CHANGED, moved)

    assert appeal.expected_outcome_on == date(2026, 12, 31)


@pytest.mark.policy("9.1", "9.3", "9.4")
def test_an_expected_outcome_already_passed_never_moves(decision, cem, admin, audit_events):
    appeal = _acknowledged(decision, cem)

    add_closure(admin, datetime(2027, 1, 5, 9, tzinfo=UTC), date(2026, 12, 29), "Late entry")

    assert appeal.expected_outcome_on == date(2026, 12, 31)
    assert audit_events("appeal.deadlines_recomputed", entity_id=appeal.id) == []


def test_the_recompute_counts_each_record_it_moved(decision, restriction_in_force, cem, admin):
    _acknowledged(decision, cem)  # appealed: its outcome date moves, its last day stays
    restriction_in_force(now=NOTIFIED)  # not appealed: its last day to appeal moves
    day = date(2026, 12, 29)
    workdays.add_closure_day(admin, CHANGED, day, "Christmas closure")

    assert recompute_open_deadlines(admin, CHANGED, CalendarChange(day, added=True)) == 2
    assert recompute_open_deadlines(admin, CHANGED, CalendarChange(day, added=True)) == 0


@pytest.mark.policy("9.1", "8.20")
def test_the_moved_date_is_explained_until_the_closure_is_removed(decision, admin):
    closure = add_closure(admin, CHANGED, date(2026, 12, 29), "Christmas closure")

    assert moved_dates(decision).note(decision, "appeal_deadline") == (
        "Moved because of the closure on Tuesday 29 December 2026."
    )

    remove_closure(admin, CHANGED, closure)

    assert moved_dates(decision).note(decision, "appeal_deadline") == ""


def test_the_recompute_rule_keeps_past_dates_and_dates_given_in_writing():
    today = date(2026, 12, 30)
    assert recomputed_date(date(2026, 12, 29), date(2026, 12, 31), today) == date(2026, 12, 29)
    assert recomputed_date(today, date(2026, 12, 31), today) == date(2026, 12, 31)
    assert recomputed_date(date(2026, 12, 31), date(2026, 12, 29), today) == date(2026, 12, 31)
    assert recomputed_date(date(2027, 1, 4), date(2026, 12, 31), today) == date(2026, 12, 31)
    told = date(2027, 1, 4)
    assert recomputed_date(date(2027, 1, 5), date(2026, 12, 31), today, told) == told


@pytest.mark.policy("8.7")
def test_a_panel_review_date_already_passed_never_moves(
    working_day_reviews, make_incident, make_customer, admin, audit_events
):
    incident = make_incident(make_customer(), now=datetime(2026, 11, 23, 10, tzinfo=UTC))
    assert incident.review_due_on == date(2026, 11, 30)

    add_closure(admin, datetime(2026, 12, 1, 9, tzinfo=UTC), date(2026, 11, 27), "Late entry")

    assert incident.review_due_on == date(2026, 11, 30)
    assert audit_events("incident.review_due_recomputed") == []


@pytest.mark.policy("9.1", "8.20")
def test_a_recompute_for_another_reason_moves_the_date_without_blaming_a_closure(
    decision, admin, audit_events
):
    workdays.add_closure_day(admin, CHANGED, date(2026, 12, 29), "Christmas closure")

    assert recompute_open_deadlines(admin, CHANGED) == 1

    assert decision.appeal_deadline == date(2026, 12, 31)
    [event] = audit_events("restriction.appeal_deadline_recomputed")
    assert event.after == {"appeal_deadline": "2026-12-31"}
    assert moved_dates(decision).note(decision, "appeal_deadline") == ""
