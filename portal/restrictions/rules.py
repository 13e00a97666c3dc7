"""Rules for restrictions that need no database: allowed contact, dates, appeal deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import long_date
from portal.restrictions.models import Delivery, RestrictionKind
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
    kind = restriction.kind
    if kind == RestrictionKind.CHANNEL_ONLY:
        channel = (
            str(restriction.channel.title).lower()
            if restriction.channel
            else _("the named channel")
        )
        headline = _("Contact by %(channel)s only", channel=channel)
        how = _(
            "Accept contact by %(channel)s. Politely end calls and visits and ask them to use "
            "%(channel)s.",
            channel=channel,
        )
    elif kind == RestrictionKind.NAMED_MANAGER:
        name = restriction.named_manager.name if restriction.named_manager else _("the manager")
        headline = _("Contact only through %(name)s", name=name)
        how = _(
            "Take a message and pass it to %(name)s; do not deal with the matter yourself.",
            name=name,
        )
    elif kind == RestrictionKind.SET_TIMES:
        headline = _("Calls only at set times")
        how = _(
            "Take calls only: %(schedule)s. Outside those times, ask them to call back then.",
            schedule=restriction.schedule,
        )
    elif kind == RestrictionKind.THIRD_PARTY:
        headline = _("Contact only through %(name)s", name=restriction.third_party)
        how = _("Deal with %(name)s, not the customer directly.", name=restriction.third_party)
    else:
        headline = _("All contact ended for a period")
        how = _(
            "Do not respond to calls, emails or visits. Pass any letter or email received to the "
            "Customer Conduct Panel: it is read and checked for new information or safeguarding "
            "concerns."
        )
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
