"""Render the letters of the restriction, review, arrangement and correspondence workflows.

Each renders in the current locale: freezing a letter renders it once per language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template
from flask_babel import gettext as _

from portal.appeals.lodging import appeal_against_decision
from portal.arrangements import rules as arrangement_rules
from portal.auth.models import Role
from portal.letters.signature import letter_reference, signature, signature_of
from portal.organisation.services import get_organisation
from portal.restrictions.queries import restrictions_in_force
from portal.restrictions.review_together import aligned_reviews
from portal.restrictions.wording import your_contact, your_contact_together
from portal.workdays.services import load_calendar


def _render(template: str, subject: str, prefer: Role = Role.PANEL, **context) -> tuple[str, str]:
    """Render ``template``, signed by the colleague issuing it in their role ``prefer`` where
    they hold it (:mod:`portal.letters.signature`)."""
    html = render_template(
        template, org=get_organisation(), subject=subject, signer=signature(prefer), **context
    )
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
    # With another restriction already in force, or two decided at once, the letter says
    # what they allow read as one (issue 16): the others are named with their own dates.
    ids = {r.id for r in restrictions}
    already = [r for r in restrictions_in_force(customer.id, issued_on) if r.id not in ids]
    # Reviews the decision brought forward to review them all together (§10.1): said so.
    moved = aligned_reviews(restrictions[0].request_id, [r.id for r in already])
    return _render(
        "letters/restriction_decision.html",
        _("Decision to restrict how you contact us"),
        customer=customer,
        restrictions=allowed,
        together=your_contact_together([*restrictions, *already], org),
        already=[(r, your_contact(r, org)) for r in already],
        moved=moved,
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
    appeal_right = _appeal_right(restriction, issued_on) if replacement is None else None
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
        appeal_right=appeal_right,
    )


@dataclass(frozen=True)
class AppealRight:
    """Whether the customer can still appeal the decision a continued restriction carries on
    (§9.1–9.2, §9.4): a review that continues it is not a new decision (a varied one is)."""

    state: str  # in_time · late · appealed · final · none (the decision had no appeal right)
    deadline: date | None = None
    reference: str = ""


def _appeal_right(restriction, today: date) -> AppealRight:
    if restriction.appeal_deadline is None:
        return AppealRight("none")
    appeal = appeal_against_decision(restriction)
    if appeal is None:
        late = today > restriction.appeal_deadline
        return AppealRight("late" if late else "in_time", restriction.appeal_deadline)
    return AppealRight("final" if appeal.is_final else "appealed", reference=appeal.reference)


def correspondence_acknowledgement(*, customer, item, issued_on: date) -> tuple[str, str]:
    return _render(
        "letters/correspondence_ack.html",
        _("We have received your correspondence"),
        customer=customer,
        item=item,
        issued_on=issued_on,
    )


def arrangement(*, arrangement, issued_on: date) -> tuple[str, str]:
    """The §8.15 letter: what we suggest, who deals with it, the reference to quote and the
    day we ask for an answer by (:func:`portal.arrangements.rules.reply_by`)."""
    org = get_organisation()
    reply_by = arrangement_rules.reply_by(
        issued_on,
        arrangement.review_on,
        load_calendar(),
        getattr(arrangement, "delivery", None),
        org.postal_delivery_days,
    )
    # The Panel member who suggested it; in a preview, the one about to (the signer).
    officer = signature_of(getattr(arrangement, "approved_by", None), Role.PANEL) or signature(
        Role.PANEL
    )
    return _render(
        "letters/arrangement.html",
        _("An arrangement for how we keep in touch"),
        customer=arrangement.customer,
        arrangement=arrangement,
        issued_on=issued_on,
        reply_by=reply_by,
        officer=officer,
        letter_reference=letter_reference(),
    )
