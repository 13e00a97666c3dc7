"""The appeal letters: acknowledgement, late-appeal decision and outcome."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.appeals import rules
from portal.appeals.models import FORMATS, AppealChannel
from portal.auth.models import Role
from portal.i18n import long_date
from portal.letters.signature import signature
from portal.organisation.services import get_organisation
from portal.restrictions.wording import your_contact
from portal.workdays.services import load_calendar


def _render(template: str, subject: str, **context) -> tuple[str, str]:
    html = render_template(
        template,
        org=get_organisation(),
        subject=subject,
        formats=FORMATS,
        signer=signature(Role.CEM),  # the appeal letters come from the CEM (§9.1, §9.4)
        **context,
    )
    return subject, html


# How the appeal came, said inside one sentence with the day it really arrived.
RECEIVED = {
    AppealChannel.PORTAL: _l("We received your appeal online, in the portal, on %(date)s."),
    AppealChannel.PHONE: _l("We received your appeal by phone on %(date)s."),
    AppealChannel.LETTER: _l("We received your appeal by letter on %(date)s."),
    AppealChannel.EMAIL: _l("We received your appeal by email on %(date)s."),
    AppealChannel.IN_PERSON: _l("We received your appeal in person on %(date)s."),
}
# Why the count starts on a later day than the one it arrived (§9.1).
COUNTED_FROM = {
    rules.WEEKEND: _l(
        "That was a weekend, so we count the working days from %(date)s, the next working day."
    ),
    rules.BANK_HOLIDAY: _l(
        "That was a bank holiday, so we count the working days from %(date)s, the next working day."
    ),
    rules.CLOSURE: _l(
        "Our offices were closed that day, so we count the working days from %(date)s, the "
        "next working day."
    ),
    rules.AFTER_CUTOFF: _l(
        "It arrived at %(time)s, after our %(cutoff)s cut-off for the day, so we count the "
        "working days from %(date)s, the next working day."
    ),
}


def received_sentences(arrival: rules.Arrival, channel: AppealChannel) -> str:
    """When and how the appeal really arrived and, when that is later, the working day the
    count starts from and why (§9.1), in the current locale."""
    said = str(RECEIVED.get(channel, RECEIVED[AppealChannel.PORTAL])) % {
        "date": long_date(arrival.arrived_on)
    }
    if not arrival.moved:
        return said
    counted = str(COUNTED_FROM[arrival.because]) % {
        "date": long_date(arrival.counted_from),
        "time": format_time(arrival.arrived_at, "HH:mm"),
        "cutoff": f"{arrival.cutoff:%H:%M}" if arrival.cutoff else "",
    }
    return f"{said} {counted}"


def acknowledgement(*, appeal, issued_on: date) -> tuple[str, str]:
    """The §9.1 acknowledgement: when the appeal really arrived and the day the count starts,
    its reference, and the date we expect to write with the outcome."""
    arrival = rules.arrival(appeal.received_at, get_organisation().cutoff_time, load_calendar())
    return _render(
        "letters/appeal_acknowledgement.html",
        _("We have received your appeal (%(reference)s)", reference=appeal.reference),
        customer=appeal.customer,
        appeal=appeal,
        issued_on=issued_on,
        received=received_sentences(arrival, appeal.channel),
    )


def late_decision(*, appeal, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/appeal_late.html",
        _("Your late appeal (%(reference)s)", reference=appeal.reference),
        customer=appeal.customer,
        appeal=appeal,
        issued_on=issued_on,
    )


def outcome(*, appeal, issued_on: date, replacement=None) -> tuple[str, str]:
    """The §9.4 letter; when GLT changed the restriction, ``replacement`` holds the new terms,
    said to the customer in plain words."""
    return _render(
        "letters/appeal_outcome.html",
        _("The outcome of your appeal (%(reference)s)", reference=appeal.reference),
        customer=appeal.customer,
        appeal=appeal,
        issued_on=issued_on,
        replacement=replacement,
        yours=your_contact(replacement, get_organisation()) if replacement else None,
    )
