"""Dates for an informal arrangement (§8.15) that need no database."""

from __future__ import annotations

from datetime import date

from portal.restrictions.models import Delivery
from portal.restrictions.rules import notified_on
from portal.workdays.calendar import WorkingCalendar

# How long the customer is asked to take to answer the arrangement letter: two working weeks
# from the day the letter reaches them. The policy sets no time (§8.15); the date is a request,
# not a deadline: an answer after it is still taken.
REPLY_WORKING_DAYS = 10


def reply_by(
    sent_on: date,
    review_on: date,
    calendar: WorkingCalendar,
    delivery: Delivery | None = None,
    postal_days: int = 0,
) -> date:
    """The day we ask the customer to answer by: :data:`REPLY_WORKING_DAYS` working days from
    the day the letter reaches them (by post, ``postal_days`` working days after posting; day
    0 is that day), and never after the day we look at how the arrangement is working."""
    reached = notified_on(delivery, sent_on, postal_days, calendar) if delivery else sent_on
    return min(calendar.add_working_days(reached, REPLY_WORKING_DAYS).due, review_on)
