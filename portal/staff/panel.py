"""The Panel: the review queue, the review itself, and issuing a staged warning."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import db
from portal.auth import permissions
from portal.conduct_warnings.services import (
    draft_warning_letter,
    earlier_stages,
    issue_warning,
    stage_for,
)
from portal.errors import NotAllowed, ServiceError
from portal.forms import BaseForm
from portal.incidents import queries
from portal.incidents.catalogue import example_title
from portal.incidents.models import Incident, IncidentStatus
from portal.panel.forms import ReviewForm
from portal.panel.models import Outcome
from portal.panel.services import ReviewInput, record_review
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.timeutil import london_date, utcnow


@bp.route("/panel")
@staff_required(permissions.can_review_as_panel)
def panel_queue():
    today = london_date(utcnow())
    incidents = queries.panel_queue(permissions.register_is_limited_to_asb(current_user))
    return render_template("staff/panel/queue.html", incidents=incidents, today=today)


def _incident_for_panel(incident_id: int) -> Incident:
    incident = get_or_404(Incident, incident_id)
    if not permissions.can_review_as_panel(current_user, incident):
        abort(403)
    return incident


@bp.route("/incidents/<int:incident_id>/review", methods=["GET", "POST"])
@staff_required(permissions.can_review_as_panel)
def review_incident(incident_id: int):
    incident = _incident_for_panel(incident_id)
    if incident.status == IncidentStatus.REVIEWED:
        flash(_l("This report has already been reviewed."), "success")
        return redirect(url_for("staff.incident", incident_id=incident.id), 303)
    form = ReviewForm()
    if form.validate_on_submit():
        data = ReviewInput(
            context_considered=list(form.context_considered.data),
            context_notes=form.context_notes.data or "",
            outcome=Outcome(form.outcome.data),
            reasons=form.reasons.data or "",
            vulnerability_considered=bool(form.vulnerability_considered.data),
            vulnerability_notes=form.vulnerability_notes.data or "",
            support_referral=bool(form.support_referral.data),
            support_referral_to=form.support_referral_to.data or "",
            eia_needed=bool(form.eia_needed.data),
            eia_notes=form.eia_notes.data or "",
        )
        try:
            review = record_review(actor(), utcnow(), incident, data)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except ServiceError as exc:
            db.session.rollback()
            form.apply_errors(exc)
        else:
            db.session.commit()
            if review.outcome == Outcome.WARNING:
                flash(_l("Review recorded. Check the warning letter, then issue it."), "success")
                return redirect(url_for("staff.warning_preview", incident_id=incident.id), 303)
            flash(_l("Review recorded."), "success")
            return redirect(url_for("staff.incident", incident_id=incident.id), 303)
    status = 422 if form.is_submitted() else 200
    today = london_date(utcnow())
    return render_template(
        "staff/panel/review.html",
        form=form,
        incident=incident,
        next_stage=stage_for(incident),
        earlier=earlier_stages(incident),
        example_title=example_title,
        today=today,
    ), status


@bp.route("/incidents/<int:incident_id>/warning", methods=["GET", "POST"])
@staff_required(permissions.can_issue_warning)
def warning_preview(incident_id: int):
    incident = _incident_for_panel(incident_id)
    form = BaseForm()
    try:
        stage, subject, html = draft_warning_letter(incident, utcnow())
    except ServiceError as exc:
        flash(next(iter(exc.errors.values())), "error")
        return redirect(url_for("staff.incident", incident_id=incident.id), 303)
    if form.validate_on_submit():
        try:
            warning = issue_warning(actor(), utcnow(), incident)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except ServiceError as exc:
            db.session.rollback()
            flash(next(iter(exc.errors.values())), "error")
            return redirect(url_for("staff.incident", incident_id=incident.id), 303)
        db.session.commit()
        flash(
            _l(
                "%(stage)s issued. The letter is frozen and recorded on the register.",
                stage=warning.stage.title,
            ),
            "success",
        )
        return redirect(url_for("staff.letter", letter_id=warning.letter_id), 303)
    return render_template(
        "staff/panel/warning_preview.html",
        form=form,
        incident=incident,
        stage=stage,
        subject=subject,
        letter_html=html,
    )
