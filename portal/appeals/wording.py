"""What the customer reads about their appeal's progress (§9.1–9.4): when it arrived and the
day we count from, and each step done, due, or late with an apology and the new date.
Customer-facing, so every sentence is translated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import format_time
from flask_babel import gettext as _

from portal.appeals import rules
from portal.appeals.models import AppealChannel
from portal.i18n import long_date
from portal.timeutil import london_date

if TYPE_CHECKING:
    from portal.appeals.models import Appeal
    from portal.appeals.progress import Progress


def draft_closed(appeal: Appeal) -> str:
    """Why the appeal the customer started online was closed unsent: ``appeal`` reached us
    another way on the day it names (§9.2)."""
    taken = {
        AppealChannel.PHONE: _("We took your appeal by phone on %(date)s."),
        AppealChannel.LETTER: _("Your appeal came to us by letter on %(date)s."),
        AppealChannel.EMAIL: _("Your appeal came to us by email on %(date)s."),
        AppealChannel.IN_PERSON: _("You gave us your appeal in person on %(date)s."),
    }.get(appeal.channel, _("You sent your appeal on %(date)s."))
    closed = _(
        "The appeal you started online was closed without being sent. If you want us to know "
        "something you wrote in it, contact us."
    )
    return f"{taken % {'date': long_date(london_date(appeal.received_at))}} {closed}"


def arrival_sentence(arrival: rules.Arrival) -> str:
    """When the appeal arrived and, if that was not a working day or came after the cut-off,
    the day we count from and why."""
    if not arrival.moved:
        return _("We received it on %(date)s.", date=long_date(arrival.arrived_on))
    names = {"arrived": long_date(arrival.arrived_on), "counted": long_date(arrival.counted_from)}
    if arrival.because == rules.WEEKEND:
        return _(
            "Your appeal arrived on %(arrived)s, at the weekend, so we count our dates from "
            "%(counted)s, the next working day.",
            **names,
        )
    if arrival.because == rules.BANK_HOLIDAY:
        return _(
            "Your appeal arrived on %(arrived)s, a bank holiday, so we count our dates from "
            "%(counted)s, the next working day.",
            **names,
        )
    if arrival.because == rules.CLOSURE:
        return _(
            "Your appeal arrived on %(arrived)s, a day our offices were closed, so we count "
            "our dates from %(counted)s, the next working day.",
            **names,
        )
    return _(
        "Your appeal arrived at %(time)s on %(arrived)s, after our %(cutoff)s cut-off for "
        "the day, so we count our dates from %(counted)s, the next working day.",
        time=format_time(arrival.arrived_at, "HH:mm"),
        cutoff=f"{arrival.cutoff:%H:%M}",
        **names,
    )


def customer_step_sentence(row: Progress, key: str) -> str:
    """One line of the customer's "Dates to expect": done on, due by, or late (see
    :meth:`Progress.told`)."""
    appeal = row.appeal
    done_on = {
        "acknowledge": appeal.acknowledged_on,
        "to_glt": appeal.referred_on,
        "glt_review": appeal.reviewed_on,
        "tell_customer": appeal.customer_told_on,
    }[key]
    if done_on is not None:
        done = {
            "acknowledge": _("We acknowledged your appeal on %(date)s."),
            "to_glt": _("We passed it to the Group Leadership Team on %(date)s."),
            "glt_review": _("The Group Leadership Team decided on %(date)s."),
            "tell_customer": _("We wrote to you with the outcome on %(date)s."),
        }[key]
        return done % {"date": long_date(done_on)}
    if row.is_late(key):
        due = row.outcome_by if key == "tell_customer" else row.step(key).due
        late = {
            "acknowledge": _(
                "This is late: we should have acknowledged your appeal by %(due)s. We are "
                "sorry. We now aim to acknowledge it by %(date)s."
            ),
            "to_glt": _(
                "This is late: we should have passed your appeal to the Group Leadership Team "
                "by %(due)s. We are sorry. We now aim to do this by %(date)s."
            ),
            "glt_review": _(
                "This is late: the Group Leadership Team should have decided by %(due)s. We "
                "are sorry. We now aim for their decision by %(date)s."
            ),
            "tell_customer": _(
                "This is late: we should have written to you with the outcome by %(due)s. We "
                "are sorry. We now aim to write to you by %(date)s."
            ),
        }[key]
        return late % {"due": long_date(due), "date": long_date(row.catch_up)}
    future = {
        "acknowledge": _("We will acknowledge it by %(date)s."),
        "to_glt": _("We will pass it to the Group Leadership Team by %(date)s."),
        "glt_review": _("They will decide by %(date)s."),
        "tell_customer": _("We will write to you with the outcome by %(date)s."),
    }[key]
    return future % {"date": long_date(row.expected(key))}
