"""The decision letter (§8.20): what it must say, when the customer is told and the appeal
deadline that follows (§9.1), issuing it once and sending it the way that reaches them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db, transitions
from portal.accounts.access import PortalAccess, letter_access
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import User
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.i18n import long_date
from portal.letters import delivery as deliveries
from portal.letters import render as letter_render
from portal.letters import services as letters
from portal.letters.models import Letter, LetterKind
from portal.organisation.services import get_organisation
from portal.restrictions import rules
from portal.restrictions.models import (
    Delivery,
    Restriction,
    RestrictionStatus,
)
from portal.timeutil import london_date
from portal.workdays.services import load_calendar


@dataclass
class LetterDates:
    sent_on: date
    notified_on: date
    appeal_deadline: date
    explanation: list[str]


def letter_dates(delivery: Delivery, now: datetime) -> LetterDates:
    """When the customer is told, and the appeal deadline that follows (§9.1)."""
    org = get_organisation()
    calendar = load_calendar()
    sent_on = london_date(now)
    notified = rules.notified_on(delivery, sent_on, org.postal_delivery_days, calendar)
    deadline = rules.appeal_deadline(notified, calendar)
    lines = []
    if notified != sent_on:
        lines.append(
            f"Sent by post on {sent_on:%A %-d %B %Y}; taken as received {org.postal_delivery_days} "
            f"working days later, on {notified:%A %-d %B %Y}."
        )
    return LetterDates(sent_on, notified, deadline.due, lines + deadline.explain())


def missing_from_decision_letter(restrictions: list[Restriction]) -> list[str]:
    """What §8.20 needs that is missing: why, what, how long, review, how to ask, how to appeal."""
    org = get_organisation()
    missing = []
    if not restrictions:
        missing.append("what restriction applies")
    if any(not r.reasons.strip() for r in restrictions):
        missing.append("why the restriction is needed")
    if any(r.review_on is None for r in restrictions):
        missing.append("when it will be reviewed")
    if not org.review_request_contact.strip():
        missing.append(
            "how to ask for the decision to be reviewed (set it in Organisation details)"
        )
    if not org.appeals_contact.strip():
        missing.append("how to appeal (set the appeals contact in Organisation details)")
    if not org.complaints_contact.strip() or not org.emergency_contact.strip():
        missing.append("how to make a complaint and report an emergency (Organisation details)")
    return missing


def _decision_letter(
    restrictions: list[Restriction], delivery: Delivery, now: datetime, access: PortalAccess
):
    """The decision letter's renderer and dates, as it would be issued now."""
    dates = letter_dates(delivery, now)
    render = partial(
        letter_render.restriction_decision,
        restrictions=restrictions,
        issued_on=dates.sent_on,
        notified_on=dates.notified_on,
        appeal_deadline=dates.appeal_deadline,
        delivery=delivery,
        access=access,
    )
    return render, dates


def draft_decision_letter(restrictions: list[Restriction], delivery: Delivery, now: datetime):
    """(subject, html, dates) for the decision letter as it would be issued now."""
    access = letter_access(None, now, restrictions[0].customer, preview=True)
    render, dates = _decision_letter(restrictions, delivery, now, access)
    return *render(), dates


LETTER_SENT_ALREADY = Problem(
    "restriction.letter_sent", _l("The decision letter has already been sent")
)


def _no_letter_yet(restriction: Restriction) -> None:
    """Refuse a second decision letter, saying who sent the first and when.

    :raises Conflict: if the restriction's decision letter has been sent.
    """
    if restriction.letter_id is None and restriction.notified_on is None:
        return
    letter = db.session.get(Letter, restriction.letter_id) if restriction.letter_id else None
    if letter is None:
        raise Conflict(
            _("Customer told on %(date)s", date=long_date(restriction.notified_on)),
            message=LETTER_SENT_ALREADY,
        )
    raise Conflict(
        _("Decision letter %(ref)s issued", ref=letter.reference),
        by=db.session.get(User, letter.issued_by_id).name,
        at=letter.issued_at,
        message=LETTER_SENT_ALREADY,
    )


def decision_letter_sent(request_id: int) -> Conflict | None:
    """What to tell someone who sends the decision letter form after the letter went: the
    Conflict for the request's letter, or None if none was sent."""
    restriction = db.session.scalar(
        select(Restriction)
        .where(Restriction.request_id == request_id, Restriction.letter_id.is_not(None))
        .order_by(Restriction.id)
        .limit(1)
    )
    if restriction is None:
        return None
    try:
        _no_letter_yet(restriction)
    except Conflict as conflict:
        return conflict
    return None


def issue_decision_letter(
    actor, now: datetime, restrictions: list[Restriction], delivery: Delivery
):
    """Freeze the decision letter and put the restrictions in force (§8.20).

    :raises ServiceError: if anything §8.20 requires is missing.
    :raises Conflict: if the letter was already sent (by whom and when).
    """
    if not permissions.can_decide_restriction(actor) and not permissions.can_request_restriction(
        actor
    ):
        raise NotAllowed
    if not restrictions:
        raise ServiceError(LETTER_SENT_ALREADY)
    # Lock each restriction before anything is created: a second letter is never made.
    for restriction in restrictions:
        transitions.lock(restriction, rule=_no_letter_yet)
    if any(
        r.status not in (RestrictionStatus.AWAITING_NOTICE, RestrictionStatus.ACTIVE)
        for r in restrictions
    ):
        # A restriction lifted or replaced before its letter went must not come back into force.
        raise ServiceError(
            Problem(
                "restriction.letter_not_in_force",
                _l("A restriction that is no longer in force needs no decision letter"),
            )
        )
    if len({r.customer_id for r in restrictions}) != 1:
        raise ServiceError(
            Problem(
                "restriction.letter_customers_differ",
                _l("A decision letter is about one customer's restrictions"),
            )
        )
    missing = missing_from_decision_letter(restrictions)
    if missing:
        raise ServiceError(
            Problem(
                "restriction.letter_incomplete",
                _l("The letter cannot be issued without: %(missing)s", missing="; ".join(missing)),
            )
        )
    customer = restrictions[0].customer
    # The appeal clock starts when the customer is told (§9.1): only a way that reaches them.
    cannot = deliveries.problem(customer, delivery)
    if cannot:
        raise ServiceError({"delivery": cannot})
    # The letter carries the customer's way into the portal: a new access code if they have
    # no account yet (issued, and audited, only now that the letter goes).
    access = letter_access(actor, now, customer)
    render, dates = _decision_letter(restrictions, delivery, now, access)
    letter = letters.freeze(actor, now, customer, LetterKind.RESTRICTION_DECISION, render)
    for restriction in restrictions:
        before = {"status": restriction.status}
        transitions.move(
            restriction,
            RestrictionStatus.ACTIVE,
            where=(Restriction.letter_id.is_(None), Restriction.notified_on.is_(None)),
            values={
                "letter_id": letter.id,
                "delivery": delivery,
                "notified_on": dates.notified_on,
                "appeal_deadline": dates.appeal_deadline,
            },
        )
        audit.record(
            actor,
            now,
            "restriction.notified",
            "restriction",
            restriction.id,
            f"Restriction on {customer.reference} notified; appeal by {dates.appeal_deadline}",
            before=before,
            after={
                "status": restriction.status,
                "letter": letter.reference,
                "delivery": delivery,
                "notified_on": dates.notified_on,
                "appeal_deadline": dates.appeal_deadline,
            },
        )
    db.session.flush()
    deliveries.tell_customer(actor, now, customer, letter, delivery, access)
    return letter
