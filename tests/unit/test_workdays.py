"""Working days (spec §7): weekends, England & Wales bank holidays, closures and the cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from portal.workdays.calendar import WorkingCalendar

CUTOFF = time(17, 0)


def utc(year, month, day, hour=10, minute=0, second=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


# --- The worked examples ------------------------------------------------------------------


def test_five_working_days_from_monday_23_november_2026_is_monday_30_november(calendar):
    deadline = calendar.deadline_for(utc(2026, 11, 23), 5)

    assert deadline.start == date(2026, 11, 23)
    assert deadline.due == date(2026, 11, 30)
    assert deadline.counted == (
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 26),
        date(2026, 11, 27),
        date(2026, 11, 30),
    )
    assert [s.day for s in deadline.skipped] == [date(2026, 11, 28), date(2026, 11, 29)]


@pytest.mark.parametrize(
    ("days", "due"),
    [
        (2, date(2027, 3, 23)),
        (4, date(2027, 3, 25)),
        # Good Friday 26 March and Easter Monday 29 March 2027 are not counted.
        (5, date(2027, 3, 30)),
        (20, date(2027, 4, 20)),
    ],
)
def test_easter_2027_from_friday_19_march(calendar, days, due):
    assert calendar.deadline_for(utc(2027, 3, 19), days).due == due


def test_easter_bank_holidays_are_skipped_by_name(calendar):
    deadline = calendar.deadline_for(utc(2027, 3, 19), 5)

    reasons = {s.day: s.reason for s in deadline.skipped}
    assert reasons[date(2027, 3, 26)] == "bank holiday: Good Friday"
    assert reasons[date(2027, 3, 29)] == "bank holiday: Easter Monday"
    assert date(2027, 3, 26) not in deadline.counted
    assert date(2027, 3, 29) not in deadline.counted


def test_christmas_2026_to_new_year_2027(calendar):
    # Christmas Day is a Friday, so Boxing Day (a Saturday) is observed on Monday 28 December.
    deadline = calendar.deadline_for(utc(2026, 12, 23), 5)

    assert deadline.counted == (
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 4),
    )
    assert deadline.due == date(2027, 1, 4)
    reasons = {s.day: s.reason for s in deadline.skipped}
    assert reasons[date(2026, 12, 25)] == "bank holiday: Christmas Day"
    assert reasons[date(2026, 12, 28)] == "bank holiday: Boxing Day (observed)"
    assert reasons[date(2027, 1, 1)] == "bank holiday: New Year's Day"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),
        (date(2026, 12, 28), False),
        (date(2026, 12, 29), True),
        (date(2027, 1, 1), False),
        (date(2027, 1, 4), True),
        (date(2027, 3, 25), True),
        (date(2027, 3, 26), False),
        (date(2027, 3, 29), False),
        (date(2027, 3, 30), True),
    ],
)
def test_bank_holidays_are_not_working_days(calendar, day, working):
    assert calendar.is_working_day(day) is working


# --- Received after the cut-off or on a non-working day -----------------------------------


def test_received_at_1659_in_winter_counts_from_that_day(calendar):
    # In November London is on GMT, so 16:59 UTC is 16:59 in London.
    deadline = calendar.deadline_for(utc(2026, 11, 23, 16, 59), 5)

    assert deadline.start == date(2026, 11, 23)
    assert deadline.due == date(2026, 11, 30)
    assert deadline.received_note == ""


def test_received_at_1700_in_winter_counts_from_the_next_working_day(calendar):
    deadline = calendar.deadline_for(utc(2026, 11, 23, 17, 0), 5)

    assert deadline.start == date(2026, 11, 24)
    assert deadline.due == date(2026, 12, 1)
    assert "after the 17:00 cut-off" in deadline.received_note


def test_received_at_1659_london_in_summer_counts_from_that_day(calendar):
    # In July London is on BST: 15:59 UTC is 16:59 in London.
    start, note = calendar.received_on(utc(2026, 7, 15, 15, 59), CUTOFF)

    assert start == date(2026, 7, 15)
    assert note == ""


def test_received_at_1700_london_in_summer_is_after_the_cut_off(calendar):
    # 16:00 UTC is 17:00 BST: after the cut-off although it is before 17:00 UTC.
    start, note = calendar.received_on(utc(2026, 7, 15, 16, 0), CUTOFF)

    assert start == date(2026, 7, 16)
    assert "Received at 17:00 on Wednesday 15 July 2026" in note


def test_received_late_on_a_friday_counts_from_monday(calendar):
    deadline = calendar.deadline_for(utc(2026, 11, 20, 17, 30), 5)

    assert deadline.start == date(2026, 11, 23)
    assert deadline.due == date(2026, 11, 30)


def test_received_late_on_christmas_eve_counts_from_29_december(calendar):
    start, _note = calendar.received_on(utc(2026, 12, 24, 17, 0), CUTOFF)

    assert start == date(2026, 12, 29)


@pytest.mark.parametrize(
    "received",
    [utc(2026, 11, 28, 9), utc(2026, 11, 29, 9), utc(2026, 11, 29, 23, 59)],
    ids=["saturday", "sunday morning", "sunday night"],
)
def test_received_at_the_weekend_counts_from_monday(calendar, received):
    deadline = calendar.deadline_for(received, 5)

    assert deadline.start == date(2026, 11, 30)
    assert deadline.due == date(2026, 12, 7)
    assert "so it counts from the next working day, Monday 30 November 2026" in (
        deadline.received_note
    )


def test_received_on_good_friday_counts_from_the_tuesday_after_easter(calendar):
    start, note = calendar.received_on(utc(2027, 3, 26, 9), CUTOFF)

    assert start == date(2027, 3, 30)
    assert "Good Friday" in note


def test_received_near_midnight_uses_the_london_date(calendar):
    # 23:30 UTC on Sunday 12 July 2026 is 00:30 BST on Monday 13 July: a working day, early.
    start, note = calendar.received_on(utc(2026, 7, 12, 23, 30), CUTOFF)

    assert start == date(2026, 7, 13)
    assert note == ""


def test_a_later_cut_off_is_respected(calendar):
    start, _ = calendar.received_on(utc(2026, 11, 23, 17, 30), time(18, 0))

    assert start == date(2026, 11, 23)


# --- Closure days -------------------------------------------------------------------------


def test_closure_days_are_skipped_with_their_reason():
    calendar = WorkingCalendar({date(2026, 11, 27): "Staff training day"})

    deadline = calendar.deadline_for(utc(2026, 11, 23), 5)

    assert deadline.due == date(2026, 12, 1)
    assert date(2026, 11, 27) not in deadline.counted
    reasons = {s.day: s.reason for s in deadline.skipped}
    assert reasons[date(2026, 11, 27)] == "organisation closed: Staff training day"


def test_received_on_a_closure_day_counts_from_the_next_working_day():
    calendar = WorkingCalendar({date(2026, 12, 24): "Christmas closure"})

    start, note = calendar.received_on(utc(2026, 12, 24, 9), CUTOFF)

    assert start == date(2026, 12, 29)
    assert "organisation closed: Christmas closure" in note


def test_christmas_closure_pushes_the_new_year_deadline():
    calendar = WorkingCalendar(
        {date(2026, 12, 29): "Christmas closure", date(2026, 12, 30): "Christmas closure"}
    )

    assert calendar.deadline_for(utc(2026, 12, 23), 5).due == date(2027, 1, 6)


# --- Explaining a deadline ----------------------------------------------------------------


def test_explain_names_every_day_counted_and_every_day_skipped():
    calendar = WorkingCalendar({date(2027, 3, 31): "Office move"})

    lines = calendar.deadline_for(utc(2027, 3, 19, 17, 15), 5).explain()

    assert lines[0] == (
        "Received at 17:15 on Friday 19 March 2027, after the 17:00 cut-off, "
        "so it counts from Monday 22 March 2027."
    )
    assert lines[1] == "Day 0 is Monday 22 March 2027; the deadline is 5 working days later."
    assert "Day 1: Tuesday 23 March 2027" in lines
    assert "Not counted: Friday 26 March 2027 (bank holiday: Good Friday)" in lines
    assert "Not counted: Monday 29 March 2027 (bank holiday: Easter Monday)" in lines
    assert "Not counted: Wednesday 31 March 2027 (organisation closed: Office move)" in lines
    assert lines[-1] == "Due: Thursday 1 April 2027"


def test_explain_uses_the_singular_for_one_day(calendar):
    lines = calendar.deadline_for(utc(2026, 11, 23), 1).explain()

    assert "the deadline is 1 working day later." in lines[0]
    assert lines[-1] == "Due: Tuesday 24 November 2026"


# --- Calendar days, zero and negative -----------------------------------------------------


def test_five_calendar_days_include_the_weekend(calendar):
    deadline = calendar.deadline_for(utc(2026, 11, 23), 5, unit="calendar")

    assert deadline.due == date(2026, 11, 28)
    assert deadline.skipped == ()
    assert "the deadline is 5 calendar days later." in deadline.explain()[0]


def test_calendar_days_ignore_the_cut_off_but_use_the_london_date(calendar):
    late_winter = calendar.deadline_for(utc(2026, 11, 23, 23, 30), 5, unit="calendar")
    # 23:30 UTC on 15 July is already 16 July in London.
    late_summer = calendar.deadline_for(utc(2026, 7, 15, 23, 30), 5, unit="calendar")

    assert late_winter.start == date(2026, 11, 23)
    assert late_summer.start == date(2026, 7, 16)
    assert late_summer.due == date(2026, 7, 21)


def test_zero_working_days_is_day_zero(calendar):
    assert calendar.add_working_days(date(2026, 11, 23), 0).due == date(2026, 11, 23)


def test_negative_days_are_refused(calendar):
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 11, 23), -1)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2027, 3, 19), date(2027, 3, 30), 5),
        (date(2027, 3, 19), date(2027, 3, 29), 4),
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 30), date(2026, 11, 23), 0),
    ],
)
def test_working_days_between(calendar, start, end, count):
    assert calendar.working_days_between(start, end) == count
