"""Render the letters of the restriction, review, arrangement and correspondence workflows.

Each renders in the current locale: freezing a letter renders it once per language."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import gettext as _

from portal.organisation.services import get_organisation
from portal.restrictions.wording import your_contact


def _render(template: str, subject: str, **context) -> tuple[str, str]:
    html = render_template(template, org=get_organisation(), subject=subject, **context)
    return subject, html


def restriction_decision(
    *,
    restrictions,
    issued_on: date,
    notified_on: date,
    appeal_deadline: date,
    delivery,
    access=None,
) -> tuple[str, str]:
    """The §8.20 letter: why, what, how long, review, how to ask for a review, how to appeal,
    and (given ``access``) how to read it and appeal online."""
    customer = restrictions[0].customer
    org = get_organisation()
    allowed = [(r, your_contact(r, org)) for r in restrictions]
    return _render(
        "letters/restriction_decision.html",
        _("Decision to restrict how you contact us"),
        customer=customer,
        restrictions=allowed,
        issued_on=issued_on,
        notified_on=notified_on,
        appeal_deadline=appeal_deadline,
        delivery=delivery,
        access=access,
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
    others=(),
) -> tuple[str, str]:
    """The §10.1 letter; a varied restriction's letter also says how long there is to appeal.

    ``others`` are the customer's restrictions the review leaves in force
    (:func:`portal.reviews.queries.still_in_force`): the letter says each one, with whom or
    by which route, and when it is next reviewed, and says "the usual ways" only without them.
    """
    current = replacement or restriction
    org = get_organisation()
    remaining = [
        (your_contact(r, org), r.starts_on if r.starts_on > issued_on else None) for r in others
    ]
    return _render(
        "letters/review_outcome.html",
        _("The review of your contact restriction"),
        customer=restriction.customer,
        restriction=restriction,
        replacement=replacement,
        current=current,
        yours=your_contact(current, org),
        others=remaining,
        outcome=outcome,
        reasons=reasons,
        issued_on=issued_on,
        next_review_on=next_review_on,
        notified_on=notified_on,
        appeal_deadline=appeal_deadline,
    )


def correspondence_acknowledgement(*, customer, item, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/correspondence_ack.html",
        _("We have received your correspondence"),
        customer=customer,
        item=item,
        issued_on=issued_on,
    )


def arrangement(*, arrangement, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/arrangement.html",
        _("An arrangement for how we keep in touch"),
        customer=arrangement.customer,
        arrangement=arrangement,
        issued_on=issued_on,
    )
