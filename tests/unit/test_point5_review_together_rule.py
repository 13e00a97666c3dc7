"""Issue 16, point 5: the one review date for restrictions reviewed together (§10.1) is the
earliest of theirs, leaving out a review already past and one before the new restriction
starts (it cannot be reviewed before it starts, and no review is put later)."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from portal.restrictions.review_together import common_review_date

TODAY = date(2026, 11, 23)


def _r(starts_on: date, review_on: date) -> SimpleNamespace:
    return SimpleNamespace(starts_on=starts_on, review_on=review_on)


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("others", "expected"),
    [
        ([], date(2027, 4, 1)),
        ([date(2027, 3, 1)], date(2027, 3, 1)),
        ([date(2027, 5, 23)], date(2027, 4, 1)),
        # Overdue yesterday: left out. Due today is before the new one starts: left out too.
        ([TODAY - timedelta(days=1), TODAY], date(2027, 4, 1)),
        # Due the day the new one starts: left out; the day after: taken.
        ([TODAY + timedelta(days=20), date(2027, 3, 1)], date(2027, 3, 1)),
        ([TODAY + timedelta(days=21)], TODAY + timedelta(days=21)),
    ],
)
def test_point5_the_common_review_date_is_the_earliest_that_can_be_kept(others, expected):
    new = [_r(TODAY + timedelta(days=20), date(2027, 4, 1))]
    in_force = [_r(TODAY - timedelta(days=200), on) for on in others]
    assert common_review_date(new, in_force, TODAY) == expected
