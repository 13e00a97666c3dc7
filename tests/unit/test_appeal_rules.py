"""The appeal clock over real bank holidays (§9.1–9.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from portal.appeals.rules import (
    AFTER_CUTOFF,
    BANK_HOLIDAY,
    CLOSURE,
    WEEKEND,
    appeal_clock,
    appeal_deadline,
    arrival,
    catch_up_date,
    is_late,
    step_status,
    tracker_status,
)
from portal.workdays.calendar import WorkingCalendar

CUTOFF = time(17, 0)
CAL = WorkingCalendar()


def _at(y, m, d, hh, mm=0) -> datetime:
    """A UTC instant; March 2027 before the 28th is GMT, so UTC equals London time."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.3")
def test_appeal_received_friday_before_easter_counts_working_days_around_it():
    clock = appeal_clock(_at(2027, 3, 19, 11), CUTOFF, CAL)
    assert clock.counted_from == date(2027, 3, 19)
    assert clock.step("acknowledge").due == date(2027, 3, 23)  # Tue
    # Good Friday 26 Mar and Easter Monday 29 Mar are skipped.
    assert clock.step("to_glt").due == date(2027, 3, 30)  # Tue
    skipped = {s.day for s in clock.step("to_glt").deadline.skipped}
    assert {date(2027, 3, 26), date(2027, 3, 29)} <= skipped
    # Until the referral happens, GLT's 10 days count from the day it is due.
    assert clock.step("glt_review").due == date(2027, 4, 13)
    assert clock.step("notify_cem").due == date(2027, 4, 15)
    assert clock.step("tell_customer").due == date(2027, 4, 20)
    assert clock.expected_outcome == date(2027, 4, 20)


@pytest.mark.policy("9.1")
def test_received_after_the_cut_off_counts_from_the_next_working_day():
    before = appeal_clock(_at(2027, 3, 18, 16, 59), CUTOFF, CAL)
    after = appeal_clock(_at(2027, 3, 18, 17, 0), CUTOFF, CAL)
    assert before.counted_from == date(2027, 3, 18)
    assert before.step("acknowledge").due == date(2027, 3, 22)
    assert after.counted_from == date(2027, 3, 19)
    assert after.step("acknowledge").due == date(2027, 3, 23)
    assert "after the 17:00 cut-off" in after.received_note


@pytest.mark.policy("9.1")
def test_received_at_a_weekend_or_on_a_bank_holiday_counts_from_the_next_working_day():
    saturday = appeal_clock(_at(2027, 3, 20, 10), CUTOFF, CAL)
    assert saturday.counted_from == date(2027, 3, 22)
    good_friday = appeal_clock(_at(2027, 3, 26, 10), CUTOFF, CAL)
    assert good_friday.counted_from == date(2027, 3, 30)  # Easter Monday skipped too
    assert "bank holiday" in good_friday.received_note


@pytest.mark.policy("9.3")
@pytest.mark.policy("9.4")
def test_later_steps_count_from_when_the_earlier_step_actually_happened():
    clock = appeal_clock(
        _at(2027, 3, 19, 11),
        CUTOFF,
        CAL,
        referred_on=date(2027, 3, 24),
        reviewed_on=date(2027, 4, 1),
    )
    assert clock.step("glt_review").due == date(2027, 4, 9)  # 10 after Wed 24 Mar, over Easter
    assert clock.step("notify_cem").due == date(2027, 4, 5)
    assert clock.step("tell_customer").due == date(2027, 4, 8)


@pytest.mark.policy("9.1")
def test_appeal_deadline_is_twenty_working_days_and_the_last_day_counts_whole():
    deadline = appeal_deadline(date(2027, 3, 19), CAL).due
    assert deadline == date(2027, 4, 20)
    # Late is judged by the London date: 23:59 BST on the last day is in time.
    assert not is_late(datetime(2027, 4, 20, 22, 59, tzinfo=UTC), deadline)
    assert is_late(datetime(2027, 4, 20, 23, 0, tzinfo=UTC), deadline)  # 00:00 BST 21 Apr


@pytest.mark.parametrize(
    ("today", "done_on", "status"),
    [
        (date(2027, 3, 19), None, "on_track"),
        (date(2027, 3, 22), None, "due_soon"),  # due the next working day
        (date(2027, 3, 23), None, "due_soon"),  # due today
        (date(2027, 3, 24), None, "overdue"),
        (date(2027, 3, 24), date(2027, 3, 23), "done"),
        (date(2027, 3, 24), date(2027, 3, 24), "done_late"),
    ],
)
def test_step_status_in_words(today, done_on, status):
    clock = appeal_clock(_at(2027, 3, 19, 11), CUTOFF, CAL, acknowledged_on=done_on)
    assert step_status(clock.step("acknowledge"), today, CAL) == status


def test_due_soon_reaches_over_a_weekend_to_the_next_working_day():
    # Acknowledge due Mon 22 Mar when received Thu 18 Mar: on Fri 19 it is due soon.
    clock = appeal_clock(_at(2027, 3, 18, 11), CUTOFF, CAL)
    assert clock.step("acknowledge").due == date(2027, 3, 22)
    assert step_status(clock.step("acknowledge"), date(2027, 3, 18), CAL) == "on_track"
    assert step_status(clock.step("acknowledge"), date(2027, 3, 19), CAL) == "due_soon"


@pytest.mark.parametrize(
    ("today", "done_on", "status"),
    [
        (date(2027, 3, 19), None, "on_track"),
        (date(2027, 3, 22), None, "due_soon"),  # due the next working day
        (date(2027, 3, 23), None, "due_today"),
        (date(2027, 3, 24), None, "overdue"),
        (date(2027, 3, 24), date(2027, 3, 23), "done"),
    ],
)
def test_the_tracker_tells_due_today_from_due_soon(today, done_on, status):
    clock = appeal_clock(_at(2027, 3, 19, 11), CUTOFF, CAL, acknowledged_on=done_on)
    assert tracker_status(clock.step("acknowledge"), today, CAL) == status


def test_due_today_over_a_bank_holiday_weekend():
    # Received Thu 25 Mar 2027: Good Friday and Easter Monday are skipped, so the
    # acknowledgement is due Wed 31 Mar; on Tue 30 Mar it is due soon, on Wed due today.
    clock = appeal_clock(_at(2027, 3, 25, 11), CUTOFF, CAL)
    step = clock.step("acknowledge")
    assert step.due == date(2027, 3, 31)
    assert tracker_status(step, date(2027, 3, 25), CAL) == "on_track"
    assert tracker_status(step, date(2027, 3, 30), CAL) == "due_soon"
    assert tracker_status(step, date(2027, 3, 31), CAL) == "due_today"


# The day an appeal arrived and the day its clock counts from (issue 16, point 2).


@pytest.mark.policy("9.1")
def test_an_appeal_that_arrived_on_a_saturday_keeps_that_day_and_counts_from_monday():
    arrived = arrival(_at(2026, 11, 21, 11), CUTOFF, CAL)  # Sat 21 Nov 2026, GMT
    assert arrived.arrived_on == date(2026, 11, 21)
    assert arrived.counted_from == date(2026, 11, 23)
    assert arrived.because == WEEKEND and arrived.moved
    assert arrived.explain() == (
        "Arrived 11:00 on Saturday 21 November 2026; counted from Monday 23 November 2026, "
        "the next working day (a weekend)."
    )


@pytest.mark.policy("9.1")
def test_an_appeal_that_arrived_on_christmas_day_counts_from_after_boxing_day():
    arrived = arrival(_at(2026, 12, 25, 10), CUTOFF, CAL)  # Friday, a bank holiday
    assert arrived.because == BANK_HOLIDAY and arrived.name == "Christmas Day"
    assert arrived.counted_from == date(2026, 12, 29)  # Boxing Day is kept on Mon 28 Dec


@pytest.mark.policy("9.1")
def test_an_appeal_that_arrived_on_a_closure_day_names_the_closure():
    closed = WorkingCalendar({date(2026, 12, 23): "Office move"})
    arrived = arrival(_at(2026, 12, 23, 10), CUTOFF, closed)
    assert arrived.because == CLOSURE and arrived.name == "Office move"
    assert arrived.counted_from == date(2026, 12, 24)
    assert "(organisation closed: Office move)" in arrived.explain()


@pytest.mark.policy("9.1")
def test_an_appeal_after_the_cut_off_counts_from_the_next_working_day_and_says_why():
    before = arrival(_at(2026, 12, 3, 16, 59), CUTOFF, CAL)  # Thu 3 Dec 2026
    after = arrival(_at(2026, 12, 3, 17, 30), CUTOFF, CAL)
    assert not before.moved and before.counted_from == date(2026, 12, 3)
    assert before.explain() == "Arrived 16:59 on Thursday 3 December 2026; counted from that day."
    assert after.because == AFTER_CUTOFF and after.counted_from == date(2026, 12, 4)
    assert "Arrived 17:30 on Thursday 3 December 2026" in after.explain()
    assert "(after the 17:00 cut-off)" in after.explain()
    # The appeal clock carries the same arrival.
    assert appeal_clock(_at(2026, 12, 3, 17, 30), CUTOFF, CAL).arrival == after


@pytest.mark.parametrize(
    ("today", "new_date"),
    [
        (date(2026, 12, 3), date(2026, 12, 4)),  # Thu → Fri
        (date(2026, 12, 4), date(2026, 12, 7)),  # Fri → Mon, over the weekend
        (date(2026, 12, 24), date(2026, 12, 29)),  # over Christmas and Boxing Day (Mon 28)
        (date(2026, 12, 26), date(2026, 12, 29)),  # looked at on a Saturday
        (date(2026, 12, 29), date(2026, 12, 30)),
    ],
)
def test_a_late_step_is_aimed_for_the_next_working_day(today, new_date):
    assert catch_up_date(today, CAL) == new_date
