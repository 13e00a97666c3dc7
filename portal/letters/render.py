"""Render the letters of the restriction, review, arrangement and correspondence workflows."""

from __future__ import annotations

from datetime import date

from flask import render_template

from portal.organisation.services import get_organisation
from portal.restrictions import rules


def _render(template: str, subject: str, **context) -> tuple[str, str]:
    html = render_template(template, org=get_organisation(), subject=subject, **context)
    return subject, html


def restriction_decision(
    *, restrictions, issued_on: date, notified_on: date, appeal_deadline: date, delivery
) -> tuple[str, str]:
    """The §8.20 letter: why, what, how long, review, how to ask for a review, how to appeal."""
    customer = restrictions[0].customer
    allowed = [(r, rules.allowed_contact(r)) for r in restrictions]
    return _render(
        "letters/restriction_decision.html",
        "Decision to restrict how you contact us",
        customer=customer,
        restrictions=allowed,
        issued_on=issued_on,
        notified_on=notified_on,
        appeal_deadline=appeal_deadline,
        delivery=delivery,
        always_open=rules.ALWAYS_OPEN,
    )


def review_outcome(
    *,
    restriction,
    replacement,
    outcome,
    reasons: str,
    issued_on: date,
    next_review_on: date | None,
    notified_on: date | None = None,
    appeal_deadline: date | None = None,
) -> tuple[str, str]:
    """The §10.1 letter; a varied restriction's letter also says how long there is to appeal."""
    current = replacement or restriction
    return _render(
        "letters/review_outcome.html",
        "The review of your contact restriction",
        customer=restriction.customer,
        restriction=restriction,
        replacement=replacement,
        allowed=rules.allowed_contact(current),
        outcome=outcome,
        reasons=reasons,
        issued_on=issued_on,
        next_review_on=next_review_on,
        notified_on=notified_on,
        appeal_deadline=appeal_deadline,
        always_open=rules.ALWAYS_OPEN,
    )


def correspondence_acknowledgement(*, customer, item, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/correspondence_ack.html",
        "We have received your correspondence",
        customer=customer,
        item=item,
        issued_on=issued_on,
        always_open=rules.ALWAYS_OPEN,
    )


def arrangement(*, arrangement, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/arrangement.html",
        "An arrangement for how we keep in touch",
        customer=arrangement.customer,
        arrangement=arrangement,
        issued_on=issued_on,
        always_open=rules.ALWAYS_OPEN,
    )
