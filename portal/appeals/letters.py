"""The appeal letters: acknowledgement, late-appeal decision and outcome."""

from __future__ import annotations

from datetime import date

from flask import render_template

from portal.organisation.services import get_organisation
from portal.restrictions import rules as restriction_rules


def _render(template: str, subject: str, **context) -> tuple[str, str]:
    html = render_template(
        template,
        org=get_organisation(),
        subject=subject,
        always_open=restriction_rules.ALWAYS_OPEN,
        **context,
    )
    return subject, html


def acknowledgement(*, appeal, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/appeal_acknowledgement.html",
        f"We have received your appeal ({appeal.reference})",
        customer=appeal.customer,
        appeal=appeal,
        issued_on=issued_on,
    )


def late_decision(*, appeal, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/appeal_late.html",
        f"Your late appeal ({appeal.reference})",
        customer=appeal.customer,
        appeal=appeal,
        issued_on=issued_on,
    )


def outcome(*, appeal, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/appeal_outcome.html",
        f"The outcome of your appeal ({appeal.reference})",
        customer=appeal.customer,
        appeal=appeal,
        issued_on=issued_on,
    )
