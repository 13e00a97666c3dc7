"""Rules for restrictions that need no database: allowed contact, dates, appeal deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import long_date
from portal.restrictions.kinds import KINDS, say
from portal.restrictions.models import Delivery
from portal.timeutil import add_months
from portal.workdays.calendar import Deadline, WorkingCalendar

APPEAL_WORKING_DAYS = 20  # §9.1
REVIEW_EVERY_MONTHS = 6  # §10.1
# GLT decides on behaviour happening now, so a restriction starts within a few months of the
# decision; and it runs for a period (§8.19), continued at each review rather than set for
# years ahead. Both limits also keep typing slips such as 9999 out of the dates.
START_WITHIN_MONTHS = 3
LONGEST_PERIOD_MONTHS = 24


def latest_review_date(starts_on: date) -> date:
    """A restriction is reviewed at least every 6 months (§10.1)."""
    return add_months(starts_on, REVIEW_EVERY_MONTHS)


def latest_start_date(decided_on: date) -> date:
    """The latest day a restriction decided on ``decided_on`` may start."""
    return add_months(decided_on, START_WITHIN_MONTHS)


def latest_end_date(starts_on: date) -> date:
    """The latest end date a restriction starting on ``starts_on`` may have."""
    return add_months(starts_on, LONGEST_PERIOD_MONTHS)


def notified_on(
    delivery: Delivery, sent_on: date, postal_days: int, calendar: WorkingCalendar
) -> date:
    """The day the customer is taken to have been told: the same day in the portal, by email or
    by hand; by post, ``postal_days`` working days after posting."""
    if delivery == Delivery.POST:
        return calendar.add_working_days(sent_on, postal_days).due
    return sent_on


def appeal_deadline(notified: date, calendar: WorkingCalendar) -> Deadline:
    """20 working days from the day the decision was notified (§9.1); day 0 is that day."""
    return calendar.add_working_days(notified, APPEAL_WORKING_DAYS)


@dataclass(frozen=True)
class AllowedContact:
    """What contact IS allowed, in words a colleague on the phone can act on in five seconds."""

    headline: str
    how: str
    until: str


def allowed_contact(restriction) -> AllowedContact:
    """Describe what the customer may still do under ``restriction``."""
    rule = KINDS[restriction.kind]
    words = rule.staff_words(restriction)
    headline = say(rule.headline, rule, words)
    how = say(rule.how, rule, words)
    if restriction.ends_on:
        until = _(
            "until %(end)s, reviewed by %(review)s",
            end=long_date(restriction.ends_on),
            review=long_date(restriction.review_on),
        )
    else:
        until = _(
            "until reviewed, on or before %(review)s", review=long_date(restriction.review_on)
        )
    return AllowedContact(headline, how, until)


# Contact that no restriction ever stops (§8.19), shown with every restriction.
ALWAYS_OPEN = (
    _l("Complaints can always be made."),
    _l("Emergency repairs and health and safety issues can always be reported."),
)
