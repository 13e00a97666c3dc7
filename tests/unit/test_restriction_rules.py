"""Restriction rules that need no database: when the customer is told, the appeal deadline
(20 working days, real England & Wales bank holidays), the six-monthly review limit and the
words a colleague reads on the customer record (§8.20, §8.21, §9.1, §10.1)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from portal.restrictions import rules
from portal.restrictions.models import ContactRoute, Delivery, RestrictionKind
from portal.workdays.calendar import WorkingCalendar
from tests.restriction_factories import restriction_like

CAL = WorkingCalendar()
SAME_DAY = (Delivery.PORTAL, Delivery.EMAIL, Delivery.HAND)


# --- the appeal deadline: 20 working days from the day the customer is told ----------------


@pytest.mark.policy("8.20")
def test_notified_friday_19_march_2027_appeals_by_tuesday_20_april_across_easter():
    deadline = rules.appeal_deadline(date(2027, 3, 19), CAL)

    assert deadline.due == date(2027, 4, 20)
    assert deadline.start == date(2027, 3, 19)  # day 0 is the day of notification
    assert len(deadline.counted) == 20 and deadline.counted[-1] == date(2027, 4, 20)
    assert deadline.counted[0] == date(2027, 3, 22)  # the next Monday is day 1
    skipped = {s.day: s.reason for s in deadline.skipped}
    assert skipped[date(2027, 3, 26)] == "bank holiday: Good Friday"
    assert skipped[date(2027, 3, 29)] == "bank holiday: Easter Monday"
    assert date(2027, 3, 26) not in deadline.counted
    assert "Due: Tuesday 20 April 2027" in deadline.explain()


@pytest.mark.policy("8.20")
def test_the_deadline_is_day_20_not_day_19_or_21():
    notified = date(2027, 3, 19)
    assert CAL.working_days_between(notified, date(2027, 4, 19)) == 19
    assert CAL.working_days_between(notified, date(2027, 4, 20)) == 20
    assert CAL.working_days_between(notified, date(2027, 4, 21)) == 21
    # Without the two Easter bank holidays it would have been two working days earlier.
    assert rules.appeal_deadline(notified, CAL).due != date(2027, 4, 16)


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("notified", "due"),
    [
        (date(2027, 3, 18), date(2027, 4, 19)),  # Thursday before: one day earlier
        (date(2027, 3, 19), date(2027, 4, 20)),  # Friday
        (date(2027, 3, 20), date(2027, 4, 20)),  # Saturday: day 1 is still Monday 22nd
        (date(2027, 3, 21), date(2027, 4, 20)),  # Sunday
        (date(2027, 3, 22), date(2027, 4, 21)),  # Monday: one day later
        (date(2026, 12, 23), date(2027, 1, 25)),  # Christmas, Boxing Day (observed), New Year
        (date(2026, 12, 24), date(2027, 1, 26)),
        (date(2027, 4, 16), date(2027, 5, 17)),  # Early May bank holiday, Mon 3 May 2027
        (date(2027, 4, 30), date(2027, 6, 1)),  # Early May and Spring bank holidays
    ],
)
def test_appeal_deadlines_skip_weekends_and_real_bank_holidays(notified, due):
    assert rules.appeal_deadline(notified, CAL).due == due


@pytest.mark.policy("8.20")
def test_an_organisation_closure_day_moves_the_deadline_on_by_one_working_day():
    closed = WorkingCalendar({date(2027, 4, 6): "Staff training day"})
    deadline = rules.appeal_deadline(date(2027, 3, 19), closed)
    assert deadline.due == date(2027, 4, 21)
    assert any("Staff training day" in s.reason for s in deadline.skipped)


# --- the day the customer is told ------------------------------------------------------------


@pytest.mark.policy("8.20")
@pytest.mark.parametrize("delivery", SAME_DAY)
@pytest.mark.parametrize("sent", [date(2027, 3, 19), date(2027, 3, 20), date(2027, 3, 29)])
def test_portal_email_and_hand_delivery_tell_the_customer_the_same_day(delivery, sent):
    # Even on a Saturday or a bank holiday, and whatever the postal allowance is.
    assert rules.notified_on(delivery, sent, 2, CAL) == sent
    assert rules.notified_on(delivery, sent, 0, CAL) == sent


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("sent", "postal_days", "notified"),
    [
        (date(2027, 3, 19), 0, date(2027, 3, 19)),  # no allowance: the posting day
        (date(2027, 3, 22), 2, date(2027, 3, 24)),  # Monday → Wednesday
        (date(2027, 3, 19), 2, date(2027, 3, 23)),  # Friday → Tuesday, over the weekend
        (date(2027, 3, 19), 1, date(2027, 3, 22)),  # Friday → Monday
        (date(2027, 3, 20), 2, date(2027, 3, 23)),  # posted on a Saturday
        (date(2027, 3, 24), 2, date(2027, 3, 30)),  # Wednesday, over Good Friday and Easter
        (date(2027, 3, 25), 2, date(2027, 3, 31)),  # Thursday before Good Friday
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 4, 30), 1, date(2027, 5, 4)),  # Friday before the Early May bank holiday
        (date(2026, 12, 24), 2, date(2026, 12, 30)),  # Christmas Eve
    ],
)
def test_a_posted_letter_is_taken_as_received_after_the_postal_working_days(
    sent, postal_days, notified
):
    assert rules.notified_on(Delivery.POST, sent, postal_days, CAL) == notified


@pytest.mark.policy("8.20")
def test_posting_and_the_appeal_deadline_combine():
    notified = rules.notified_on(Delivery.POST, date(2027, 3, 19), 2, CAL)
    assert notified == date(2027, 3, 23)
    assert rules.appeal_deadline(notified, CAL).due == date(2027, 4, 22)
    # Handing the same letter over gives the customer two fewer working days.
    handed = rules.notified_on(Delivery.HAND, date(2027, 3, 19), 2, CAL)
    assert rules.appeal_deadline(handed, CAL).due == date(2027, 4, 20)


@pytest.mark.policy("8.20")
def test_a_closure_day_counts_against_postal_delivery_too():
    closed = WorkingCalendar({date(2026, 12, 29): "Christmas closure"})
    assert rules.notified_on(Delivery.POST, date(2026, 12, 23), 2, closed) == date(2026, 12, 30)
    assert rules.notified_on(Delivery.POST, date(2026, 12, 23), 2, CAL) == date(2026, 12, 29)


# --- reviews at least every six months (§10.1) -----------------------------------------------


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("start", "latest"),
    [
        (date(2026, 11, 23), date(2027, 5, 23)),
        (date(2027, 1, 15), date(2027, 7, 15)),
        (date(2026, 8, 31), date(2027, 2, 28)),  # 31 August → end of February
        (date(2027, 8, 31), date(2028, 2, 29)),  # … in a leap year
        (date(2027, 8, 29), date(2028, 2, 29)),
        (date(2027, 8, 30), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2027, 6, 30)),  # 31 December → 30 June
        (date(2027, 3, 31), date(2027, 9, 30)),
        (date(2028, 2, 29), date(2028, 8, 29)),
        (date(2027, 7, 31), date(2028, 1, 31)),  # across the year end
    ],
)
def test_the_latest_review_date_is_six_calendar_months_after_the_start(start, latest):
    assert rules.latest_review_date(start) == latest


# --- what a colleague reads on the customer record (§8.21) ----------------------------------


@pytest.mark.policy("8.21")
@pytest.mark.parametrize(
    ("kind", "fields", "headline", "how"),
    [
        (
            RestrictionKind.CHANNEL_ONLY,
            {"channel": ContactRoute.EMAIL},
            "Contact by email only",
            "Accept contact by email.",
        ),
        (
            RestrictionKind.CHANNEL_ONLY,
            {"channel": ContactRoute.LETTER},
            "Contact by letter only",
            "ask them to use letter",
        ),
        (
            RestrictionKind.NAMED_MANAGER,
            {"named_manager": SimpleNamespace(name="Tom Whitfield")},
            "Contact only through Tom Whitfield",
            "pass it to Tom Whitfield",
        ),
        (
            RestrictionKind.SET_TIMES,
            {"schedule": "Tuesdays 10:00 to 11:00"},
            "Calls only at set times",
            "Take calls only: Tuesdays 10:00 to 11:00",
        ),
        (
            RestrictionKind.THIRD_PARTY,
            {"third_party": "Citizens Advice Manchester"},
            "Contact only through Citizens Advice Manchester",
            "Deal with Citizens Advice Manchester, not the customer directly.",
        ),
        (
            RestrictionKind.TERMINATION,
            {"ends_on": date(2027, 2, 23)},
            "All contact ended for a period",
            "read and checked for new information or safeguarding concerns",
        ),
    ],
)
def test_the_flag_says_what_contact_is_allowed_for_each_kind(app, kind, fields, headline, how):
    allowed = rules.allowed_contact(restriction_like(kind, **fields))
    assert allowed.headline == headline
    assert how in allowed.how


@pytest.mark.policy("8.21")
def test_the_flag_says_until_when(app):
    open_ended = rules.allowed_contact(
        restriction_like(RestrictionKind.CHANNEL_ONLY, channel=ContactRoute.EMAIL)
    )
    assert open_ended.until == "until reviewed, on or before Sunday 23 May 2027"
    ending = rules.allowed_contact(
        restriction_like(RestrictionKind.TERMINATION, ends_on=date(2027, 2, 23))
    )
    assert ending.until == "until Tuesday 23 February 2027, reviewed by Sunday 23 May 2027"


@pytest.mark.policy("4.6")
def test_complaints_and_emergency_reports_are_always_open(app):
    always = [str(line) for line in rules.ALWAYS_OPEN]
    assert any("Complaints" in line for line in always)
    assert any("Emergency repairs" in line and "health and safety" in line for line in always)
