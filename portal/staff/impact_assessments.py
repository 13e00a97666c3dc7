"""Equality Impact Assessments (§4.7): the list of those open and completed, and a page for
each one to give it to someone and record its outcome."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.auth import permissions
from portal.db import MAX_ID
from portal.impact import queries, services
from portal.impact.forms import AssignForm, CompleteForm
from portal.impact.models import ImpactAssessment
from portal.paging import page_arg
from portal.panel.models import PanelReview
from portal.staff import bp
from portal.staff.formatting import ListFormat
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, conflict_page, perform
from portal.timeutil import london_date, utcnow


def _version(text) -> int | None:
    """The version the page showed; None for anything that is not one (junk is refused)."""
    text = (text or "").strip()
    if text.isdecimal() and len(text) <= 10 and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


@bp.app_template_global("impact_assessment_for")
def impact_assessment_for(review) -> ImpactAssessment | None:
    """For the incident page: the assessment a review opened, to those who may see it."""
    if review is None or not review.eia_needed:
        return None
    if not permissions.can_view_conduct_history(current_user):
        return None
    return services.for_review(review.id)


@bp.route("/impact-assessments")
@staff_required(permissions.can_manage_impact_assessments)
def impact_assessments():
    requests, requests_total = queries.waiting_requests()
    return render_template(
        "staff/impact_assessments/list.html",
        open_=queries.open_page(page_arg()),
        done=queries.completed_page(page_arg("done")),
        requests=requests,
        requests_total=requests_total,
        today=london_date(utcnow()),
        fmt=ListFormat(),
    )


def _assign_choices(form: AssignForm) -> None:
    form.assigned_to.choices = [("", str(_l("No one yet")))] + [
        (str(u.id), u.name) for u in services.assignable_staff()
    ]


def _page(
    assessment: ImpactAssessment,
    status: int = 200,
    assign_form: AssignForm | None = None,
    complete_form: CompleteForm | None = None,
):
    # A form shown again keeps the version it was sent with: only a fresh form takes today's.
    if assign_form is None:
        assign_form = AssignForm(prefix="assign", formdata=None)
        assign_form.assigned_to.data = str(assessment.assigned_to_id or "")
        assign_form.version.data = str(assessment.version)
    if complete_form is None:
        complete_form = CompleteForm(formdata=None)
        complete_form.version.data = str(assessment.version)
    _assign_choices(assign_form)
    shown = complete_form if complete_form.errors else assign_form
    review = get_or_404(PanelReview, assessment.panel_review_id)
    deadline = services.due_date(review.reviewed_at)
    page = render_template(
        "staff/impact_assessments/show.html",
        assessment=assessment,
        review=review,
        assign_form=assign_form,
        complete_form=complete_form,
        form=shown if (shown.errors or shown.form_errors) else None,
        today=london_date(utcnow()),
        deadline=deadline if deadline.due == assessment.due_on else None,
    )
    return page, status


@bp.route("/impact-assessments/<int:assessment_id>")
@staff_required(permissions.can_manage_impact_assessments)
def impact_assessment(assessment_id: int):
    return _page(get_or_404(ImpactAssessment, assessment_id))


@bp.route("/impact-assessments/<int:assessment_id>/assign", methods=["POST"])
@staff_required(permissions.can_manage_impact_assessments)
def assign_impact_assessment(assessment_id: int):
    assessment = get_or_404(ImpactAssessment, assessment_id)
    form = AssignForm(prefix="assign")
    _assign_choices(form)
    back = url_for("staff.impact_assessment", assessment_id=assessment.id)
    if not form.validate_on_submit():
        return _page(assessment, 422, assign_form=form)
    chosen = (form.assigned_to.data or "").strip()
    if chosen and not (chosen.isdecimal() and len(chosen) <= 10):
        form.assigned_to.errors = [_l("Choose someone from the list")]
        return _page(assessment, 422, assign_form=form)
    return perform(
        lambda: services.assign(
            actor(),
            utcnow(),
            assessment,
            int(chosen) if chosen else None,
            _version(form.version.data),
        ),
        then=back,
        done=_l("Saved who the assessment is given to."),
        on_error=beside_fields(form, lambda: _page(assessment, 422, assign_form=form)),
        on_conflict=lambda exc: conflict_page(
            exc, _l("The assessment has changed"), back, _l("Back to the assessment"), form
        ),
    )


@bp.route("/impact-assessments/<int:assessment_id>/outcome", methods=["POST"])
@staff_required(permissions.can_manage_impact_assessments)
def complete_impact_assessment(assessment_id: int):
    assessment = get_or_404(ImpactAssessment, assessment_id)
    form = CompleteForm()
    back = url_for("staff.impact_assessment", assessment_id=assessment.id)
    if not form.validate_on_submit():
        return _page(assessment, 422, complete_form=form)
    return perform(
        lambda: services.complete(
            actor(),
            utcnow(),
            assessment,
            form.outcome.data,
            form.considered.data,
            form.adjustments.data,
            _version(form.version.data),
        ),
        then=back,
        done=_l("Outcome of the assessment recorded."),
        on_error=beside_fields(form, lambda: _page(assessment, 422, complete_form=form)),
        on_conflict=lambda exc: conflict_page(
            exc, _l("Outcome already recorded"), back, _l("Back to the assessment"), form
        ),
    )
