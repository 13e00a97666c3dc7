"""Issued letters, exactly as they were frozen."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from portal import db
from portal.auth import permissions
from portal.conduct_warnings.models import ConductWarning
from portal.incidents.models import Incident
from portal.letters.models import Letter
from portal.letters.services import verify
from portal.staff import bp
from portal.staff.guard import get_or_404, staff_required


@bp.route("/letters/<int:letter_id>")
@staff_required()
def letter(letter_id: int):
    letter = get_or_404(Letter, letter_id)
    warning = db.session.scalar(select(ConductWarning).where(ConductWarning.letter_id == letter.id))
    incident = db.session.get(Incident, warning.incident_id) if warning else None
    allowed = permissions.can_view_conduct_history(current_user) or (
        incident is not None and permissions.can_view_incident(current_user, incident)
    )
    if not allowed:
        abort(403)
    return render_template(
        "staff/letters/show.html", letter=letter, intact=verify(letter), incident=incident
    )
