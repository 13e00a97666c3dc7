"""What an appeal's progress says on a given day: when it arrived and the day its clock counts
from (§9.1), and a step that is late told as late, with an apology and a new date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal import db
from portal.appeals import progress as appeal_progress
from portal.appeals import services as appeals
from portal.appeals.models import AppealChannel
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.timeutil import from_london
from portal.workdays.services import load_calendar


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


def _lodge(restriction, now, actor=None, **kw):
    appeal = appeals.start_draft(now, restriction)
    appeals.save_answers(now, appeal, appeals.Answers(grounds="It was unfair."))
    appeals.lodge(actor or restriction.customer, now, appeal, f"k{appeal.id}", **kw)
    db.session.commit()
    return appeal


@pytest.fixture
def before_christmas(restriction_in_force, clock):
    """An appeal sent online on Tue 22 Dec 2026: acknowledgement due Thu 24 Dec 2026."""
    clock.now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    return _lodge(restriction, datetime(2026, 12, 22, 10, tzinfo=UTC))


@pytest.mark.policy("9.1")
def test_a_step_on_its_due_date_is_not_late(before_christmas):
    row = appeal_progress.for_appeal(before_christmas, date(2026, 12, 24))
    assert row.step("acknowledge").due == date(2026, 12, 24)
    assert not row.is_late("acknowledge")
    assert row.told("acknowledge") == "We will acknowledge it by Thursday 24 December 2026."
    assert row.overdue_note("acknowledge") == ""


@pytest.mark.policy("9.1")
def test_a_step_missed_over_christmas_is_told_as_late_with_a_new_date(before_christmas):
    # Tue 29 Dec 2026 is the first working day after Thu 24 Dec (25 Dec, the weekend and the
    # Boxing Day holiday on Mon 28 Dec are not): the acknowledgement is now late.
    row = appeal_progress.for_appeal(before_christmas, date(2026, 12, 29))
    assert row.is_late("acknowledge")
    assert row.told("acknowledge") == (
        "This is late: we should have acknowledged your appeal by Thursday 24 December 2026. "
        "We are sorry. We now aim to acknowledge it by Wednesday 30 December 2026."
    )
    assert row.overdue_note("acknowledge") == (
        "Overdue since Thursday 24 December 2026; now aim for Wednesday 30 December 2026."
    )
    # The next step is not due yet, and still says so in the future tense.
    assert not row.is_late("to_glt")
    assert row.told("to_glt").startswith("We will pass it to the Group Leadership Team by")


@pytest.mark.policy("9.4")
def test_a_missed_outcome_date_is_told_as_late(before_christmas, cem):
    appeals.acknowledge(cem, datetime(2026, 12, 23, 9, tzinfo=UTC), before_christmas)
    db.session.commit()
    promised = before_christmas.expected_outcome_on
    on_the_day = appeal_progress.for_appeal(before_christmas, promised)
    assert not on_the_day.is_late("tell_customer")
    day_after = load_calendar().next_working_day(promised)
    late = appeal_progress.for_appeal(before_christmas, day_after)
    assert late.is_late("tell_customer")
    assert "We are sorry. We now aim to write to you by" in late.told("tell_customer")


@pytest.mark.policy("9.1")
def test_a_letter_that_arrived_on_a_saturday_keeps_its_day_and_says_when_the_count_starts(
    restriction_in_force, clock, cem
):
    clock.now = datetime(2026, 11, 9, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    appeal = _lodge(
        restriction,
        datetime(2026, 11, 23, 10, tzinfo=UTC),
        actor=cem,
        channel=AppealChannel.LETTER,
        received_at=from_london(date(2026, 11, 21), 12, 0),
    )
    assert appeal.counted_from == date(2026, 11, 23)
    row = appeal_progress.for_appeal(appeal, date(2026, 11, 23))
    assert row.arrival.arrived_on == date(2026, 11, 21)
    assert row.arrival_text() == (
        "Your appeal arrived on Saturday 21 November 2026, at the weekend, so we count our "
        "dates from Monday 23 November 2026, the next working day."
    )
    assert row.arrival_summary() == (
        "Arrived 12:00 on Saturday 21 November 2026; counted from Monday 23 November 2026, "
        "the next working day (a weekend)."
    )
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "appeal.lodged", AuditEvent.entity_id == appeal.id
        )
    )
    assert "Arrived 12:00 on Saturday 21 November 2026; counted from Monday 23 November 2026" in (
        event.summary
    )
    assert event.after["arrived_at"].startswith("2026-11-21T12:00")
    assert event.after["received_on"] == "2026-11-23"
    assert event.after["counted_from_because"] == "weekend"


@pytest.mark.policy("9.1")
def test_an_appeal_sent_after_the_cut_off_says_so(restriction_in_force, clock):
    clock.now = datetime(2026, 11, 9, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    appeal = _lodge(restriction, datetime(2026, 12, 3, 17, 30, tzinfo=UTC))  # Thu, GMT
    row = appeal_progress.for_appeal(appeal, date(2026, 12, 3))
    assert row.arrival_text() == (
        "Your appeal arrived at 17:30 on Thursday 3 December 2026, after our 17:00 cut-off "
        "for the day, so we count our dates from Friday 4 December 2026, the next working day."
    )


@pytest.mark.policy("9.3")
def test_the_steps_after_a_late_one_count_from_its_new_date(before_christmas, cem):
    appeals.acknowledge(cem, datetime(2026, 12, 23, 9, tzinfo=UTC), before_christmas)
    db.session.commit()
    # Passing it to GLT was due Thu 31 Dec 2026; on Mon 4 Jan 2027 it is late, aimed for Tue 5.
    row = appeal_progress.for_appeal(before_christmas, date(2027, 1, 4))
    assert row.is_late("to_glt") and row.catch_up == date(2027, 1, 5)
    # GLT's 10 working days then run from Tue 5 Jan, not from the missed date (Fri 15 Jan).
    assert row.step("glt_review").due == date(2027, 1, 15)
    assert row.told("glt_review") == "They will decide by Tuesday 19 January 2027."
    assert row.told("tell_customer") == (
        "We will write to you with the outcome by Tuesday 26 January 2027."
    )
