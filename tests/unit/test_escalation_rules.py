"""The escalation rule (§8.7–8.13): which warning a new incident leads to, and when one lapses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.conduct_warnings.models import Stage
from portal.conduct_warnings.rules import lapses_on, live_warnings, next_stage
from portal.timeutil import add_months


@dataclass
class Warning:
    stage: Stage
    issued_on: date


FIRST, SECOND, FINAL = Stage.FIRST, Stage.SECOND, Stage.FINAL


@pytest.mark.policy("8.7")
def test_no_earlier_warning_leads_to_a_first_stage_warning():
    assert next_stage([], date(2026, 11, 23)) == FIRST


@pytest.mark.policy("8.10")
def test_a_first_warning_within_12_months_leads_to_a_second():
    warnings = [Warning(FIRST, date(2026, 3, 1))]

    assert next_stage(warnings, date(2026, 11, 23)) == SECOND


@pytest.mark.policy("8.12")
def test_a_second_warning_within_12_months_leads_to_a_final():
    warnings = [Warning(FIRST, date(2026, 3, 1)), Warning(SECOND, date(2026, 7, 1))]

    assert next_stage(warnings, date(2026, 11, 23)) == FINAL


@pytest.mark.policy("8.12")
def test_after_a_live_final_warning_the_next_step_is_a_restriction_request_not_a_fourth():
    warnings = [
        Warning(FIRST, date(2026, 3, 1)),
        Warning(SECOND, date(2026, 7, 1)),
        Warning(FINAL, date(2026, 10, 1)),
    ]

    assert next_stage(warnings, date(2026, 11, 23)) is None


@pytest.mark.policy("8.10")
def test_a_warning_issued_23_nov_2025_still_counts_on_23_nov_2026():
    warnings = [Warning(FIRST, date(2025, 11, 23))]

    assert next_stage(warnings, date(2026, 11, 23)) == SECOND


@pytest.mark.policy("8.10")
def test_a_warning_issued_23_nov_2025_has_lapsed_on_24_nov_2026():
    warnings = [Warning(FIRST, date(2025, 11, 23))]

    assert next_stage(warnings, date(2026, 11, 24)) == FIRST


@pytest.mark.policy("8.12")
def test_a_lapsed_first_and_a_live_second_lead_to_a_final():
    warnings = [Warning(FIRST, date(2025, 6, 1)), Warning(SECOND, date(2026, 2, 1))]

    assert live_warnings(warnings, date(2026, 11, 23)) == [warnings[1]]
    assert next_stage(warnings, date(2026, 11, 23)) == FINAL


@pytest.mark.policy("8.12")
def test_a_final_warning_that_has_lapsed_starts_again_at_first():
    warnings = [
        Warning(FIRST, date(2025, 1, 10)),
        Warning(SECOND, date(2025, 4, 10)),
        Warning(FINAL, date(2025, 8, 10)),
    ]

    assert next_stage(warnings, date(2026, 8, 10)) is None
    assert next_stage(warnings, date(2026, 8, 11)) == FIRST


@pytest.mark.policy("8.10")
def test_a_warning_issued_after_the_incident_does_not_count_against_it():
    warnings = [Warning(FIRST, date(2026, 11, 24))]

    assert next_stage(warnings, date(2026, 11, 23)) == FIRST
    assert next_stage(warnings, date(2026, 11, 24)) == SECOND


@pytest.mark.policy("8.12")
def test_the_newest_live_warning_decides_whatever_order_they_are_given_in():
    warnings = [
        Warning(SECOND, date(2026, 7, 1)),
        Warning(FIRST, date(2026, 3, 1)),
    ]

    assert [w.stage for w in live_warnings(warnings, date(2026, 11, 23))] == [FIRST, SECOND]
    assert next_stage(warnings, date(2026, 11, 23)) == FINAL


@pytest.mark.policy("8.10")
def test_a_warning_issued_on_leap_day_lapses_on_28_february():
    warnings = [Warning(FIRST, date(2028, 2, 29))]

    assert lapses_on(date(2028, 2, 29)) == date(2029, 2, 28)
    assert next_stage(warnings, date(2029, 2, 28)) == SECOND
    assert next_stage(warnings, date(2029, 3, 1)) == FIRST


def test_a_warning_counts_for_twelve_calendar_months():
    assert lapses_on(date(2025, 11, 23)) == date(2026, 11, 23)
    assert lapses_on(date(2026, 1, 31)) == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 11, 23), 2, date(2027, 1, 23)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -3, date(2025, 10, 15)),
        (date(2026, 6, 6), 0, date(2026, 6, 6)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected
