"""Issued letters, exactly as they were frozen: as a page, a PDF and a large-print PDF, each
checked against its hash and refused, with a page saying so, when it no longer matches."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from portal import db
from portal.auth import permissions
from portal.conduct_warnings.models import ConductWarning
from portal.customers.models import Customer
from portal.incidents.models import Incident
from portal.letters.files import LetterAltered, frozen_pdf
from portal.letters.models import Letter, LetterKind
from portal.letters.responses import large_print_wanted, pdf_name, send_kept_pdf
from portal.letters.sent import how_sent
from portal.letters.services import verify
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import record
from portal.timeutil import utcnow

# Letters about a restriction (its decision, reviews, correspondence while contact is ended,
# and appeals against it) are read only by those who may see how restrictions came about.
RESTRICTION_STAGE = frozenset(
    {
        LetterKind.RESTRICTION_DECISION,
        LetterKind.REVIEW_OUTCOME,
        LetterKind.CORRESPONDENCE_ACK,
        LetterKind.APPEAL_ACKNOWLEDGEMENT,
        LetterKind.LATE_APPEAL,
        LetterKind.APPEAL_OUTCOME,
    }
)


def _letter_for_view(letter_id: int) -> tuple[Letter, Incident | None]:
    letter = get_or_404(Letter, letter_id)
    incident = None
    if letter.kind == LetterKind.WARNING:
        warning = db.session.scalar(
            select(ConductWarning).where(ConductWarning.letter_id == letter.id)
        )
        incident = db.session.get(Incident, warning.incident_id) if warning else None
    # A letter about an incident is shared exactly as the incident is (so the CSM sees only
    # §8.4 referrals); a restriction-stage letter as restrictions are; any other letter
    # (an arrangement's) follows the conduct-history rule.
    if incident is not None:
        allowed = permissions.can_view_incident(current_user, incident)
    elif letter.kind in RESTRICTION_STAGE:
        allowed = permissions.can_view_restrictions(current_user)
    else:
        allowed = permissions.can_view_conduct_history(current_user)
    if not allowed:
        abort(403)
    return letter, incident


@bp.route("/letters/<int:letter_id>")
@staff_required()
def letter(letter_id: int):
    letter, incident = _letter_for_view(letter_id)
    if not verify(letter):
        return render_template("staff/letters/altered.html", letter=letter, incident=incident), 409
    customer = db.session.get(Customer, letter.customer_id)
    return render_template(
        "staff/letters/show.html",
        letter=letter,
        incident=incident,
        sent=how_sent(letter, customer),
    )


@bp.route("/letters/<int:letter_id>/pdf")
@staff_required()
def letter_pdf(letter_id: int):
    letter, incident = _letter_for_view(letter_id)
    large = large_print_wanted(letter)
    try:
        kept = record(lambda: frozen_pdf(actor(), utcnow(), letter, large_print=large))
    except LetterAltered:
        db.session.rollback()
        return render_template("staff/letters/altered.html", letter=letter, incident=incident), 409
    return send_kept_pdf(kept, pdf_name(letter, large))
