"""The limits on a restriction's dates (§8.19, §10.1), and month arithmetic at the edges of the
calendar: a date that does not exist is an error to refuse, never an "unreachable" crash."""

from __future__ import annotations

from datetime import date

import pytest

from portal.restrictions import rules
from portal.timeutil import add_months


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("decided", "latest"),
    [
        (date(2026, 11, 23), date(2027, 2, 23)),
        (date(2026, 11, 30), date(2027, 2, 28)),  # no 30 February: the last day of February
        (date(2027, 11, 30), date(2028, 2, 29)),  # a leap year
    ],
)
def test_a_restriction_starts_at_the_latest_three_months_after_the_decision(decided, latest):
    assert rules.latest_start_date(decided) == latest


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("starts", "latest"),
    [(date(2026, 11, 23), date(2028, 11, 23)), (date(2028, 2, 29), date(2030, 2, 28))],
)
def test_a_restriction_ends_at_the_latest_two_years_after_it_starts(starts, latest):
    assert rules.latest_end_date(starts) == latest


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(9999, 6, 30), 6, date(9999, 12, 30)),  # the last month there is
        (date(1, 7, 31), -6, date(1, 1, 31)),
    ],
)
def test_add_months_reaches_the_edges_of_the_calendar(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("day", "months"), [(date(9999, 12, 1), 1), (date(1, 1, 31), -1)])
def test_add_months_past_the_edges_of_the_calendar_overflows(day, months):
    with pytest.raises(OverflowError):
        add_months(day, months)
