"""The appeal letters: acknowledgement, late-appeal decision and outcome."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import gettext as _

from portal.appeals.models import FORMATS
from portal.organisation.services import get_organisation
from portal.restrictions.wording import your_contact


def _render(template: str, subject: str, **context) -> tuple[str, str]:
    html = render_template(
        template,
        org=get_organisation(),
        subject=subject,
        formats=FORMATS,
        **context,
    )
    return subject, html


def acknowledgement(*, appeal, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/appeal_acknowledgement.html",
        _("We have received your appeal (%(reference)s)", reference=appeal.reference),
        customer=appeal.customer,
        appeal=appeal,
        issued_on=issued_on,
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
