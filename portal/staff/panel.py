"""The Panel: the review queue, the review itself, and issuing a staged warning."""

from __future__ import annotations

import hashlib
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.auth import permissions
from portal.conduct_warnings.forms import IssueWarningForm
from portal.conduct_warnings.services import (
    draft_warning_letter,
    earlier_stages,
    issue_warning,
    stage_for,
)
from portal.errors import Conflict, ServiceError
from portal.htmx import is_htmx, render_page_or_fragment
from portal.incidents.catalogue import example_title
from portal.incidents.models import Incident, IncidentStatus
from portal.letters import delivery as deliveries
from portal.letters.delivery import Delivery
from portal.paging import page_arg
from portal.panel.forms import ReviewForm
from portal.panel.models import Outcome
from portal.panel.queries import panel_queue_page
from portal.panel.services import ReviewInput, draft_review, outcomes_for, record_review
from portal.staff import bp
from portal.staff.formatting import ListFormat
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, conflict_page, perform, preview
from portal.timeutil import london_date, utcnow


@bp.route("/panel")
@staff_required(permissions.can_review_as_panel)
def panel_queue():
    today = london_date(utcnow())
    queue = panel_queue_page(permissions.register_is_limited_to_asb(current_user), page_arg())
    return render_template(
        "staff/panel/queue.html",
        incidents=queue.incidents,
        page=queue.page,
        today=today,
        fmt=ListFormat(),
    )


def _incident_for_panel(incident_id: int) -> Incident:
    incident = get_or_404(Incident, incident_id)
    if not permissions.can_review_as_panel(current_user, incident):
        abort(403)
    return incident


def _review_input(form: ReviewForm) -> ReviewInput:
    return ReviewInput(
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
        letter_summary=form.letter_summary.data or "",
    )


def _letter_after_review(incident: Incident, data: ReviewInput) -> tuple[str | None, dict]:
    """The warning letter exactly as it would be issued after this review; nothing is written
    (previews come with every pause in typing, from every Panel member at once).

    Returns (html, {}); (None, {}) for an outcome with no warning letter; or (None, what is
    wrong with the review).
    """

    def _draft() -> str | None:
        review = draft_review(actor(), utcnow(), incident, data)
        if data.outcome != Outcome.WARNING:
            return None
        _stage, _subject, html = draft_warning_letter(incident, utcnow(), review=review)
        return html

    return preview(_draft)


def _preview_state(shown: str, html: str | None, errors: dict, no_letter: bool) -> dict:
    """What the preview shows, its fingerprint, and what to announce if it changed.

    ``shown`` is the fingerprint of the preview already on the page (htmx sends it back), so
    typing in a field that does not change the letter is not announced on every pause.
    """
    content = html or repr(sorted((k, str(v)) for k, v in errors.items())) + str(no_letter)
    fingerprint = hashlib.sha256(content.encode()).hexdigest()[:16]
    if fingerprint == shown:
        announce = ""
    elif html:
        announce = _("Warning letter preview updated")
    elif no_letter:
        announce = _("No warning letter is sent with this outcome.")
    else:
        announce = _("The warning letter preview appears when the form is complete")
    return {
        "preview_html": html,
        "preview_errors": errors,
        "no_letter": no_letter,
        "preview_fingerprint": fingerprint,
        "announce": announce,
    }


@bp.route("/incidents/<int:incident_id>/review", methods=["GET", "POST"])
@staff_required(permissions.can_review_as_panel)
def review_incident(incident_id: int):
    """The review form. "Preview" (or htmx, as the Panel types) shows the warning letter the
    review would lead to, and records nothing; only "Record review" records it."""
    incident = _incident_for_panel(incident_id)
    previewing = request.form.get("action") == "preview" or is_htmx()
    if incident.status == IncidentStatus.REVIEWED and request.method == "POST" and not previewing:
        # Recorded from a form opened before a colleague recorded their review.
        return _review_conflict(Incident.TRANSITIONS.conflict(incident), incident, ReviewForm())
    if incident.status == IncidentStatus.REVIEWED:
        if is_htmx():
            return render_page_or_fragment(
                "staff/panel/review.html",
                "staff/panel/_preview.html",
                already_reviewed=True,
                incident=incident,
                **_preview_state("", None, {}, False),
            )
        flash(_l("This report has already been reviewed."), "success")
        return redirect(url_for("staff.incident", incident_id=incident.id), 303)
    form = ReviewForm()
    shown: dict = {}
    if form.validate_on_submit():
        data = _review_input(form)
        if not previewing:
            return perform(
                lambda: record_review(actor(), utcnow(), incident, data),
                then=lambda review: _after_review(review, incident),
                done=_review_recorded,
                on_error=beside_fields(form, lambda: _review_page(form, incident, shown)),
                on_conflict=lambda exc: _review_conflict(exc, incident, form),
            )
        html, errors = _letter_after_review(incident, data)
        if errors and not is_htmx():
            form.apply_errors(ServiceError(errors))
        no_letter = not errors and data.outcome != Outcome.WARNING
        shown = {"html": html, "errors": errors, "no_letter": no_letter}
    elif previewing and form.is_submitted():
        errors = {field.name: str(field.errors[0]) for field in form if field.errors}
        shown = {"errors": errors or {"": _("Complete the form to see the letter")}}
    return _review_page(form, incident, shown)


def _after_review(review, incident: Incident) -> str:
    """Where a recorded review leads: to the warning letter, if it decided on a warning; to
    the request form, if it decided to ask GLT to restrict contact (§8.18)."""
    if review.outcome == Outcome.WARNING:
        return url_for("staff.warning_preview", incident_id=incident.id)
    if review.outcome == Outcome.RESTRICTION_REQUEST and permissions.can_request_restriction(
        current_user
    ):
        return url_for("staff.new_restriction_request", customer_id=incident.customer_id)
    return url_for("staff.incident", incident_id=incident.id)


def _review_recorded(review):
    if review.outcome == Outcome.WARNING:
        return _l("Review recorded. Check the warning letter, then issue it.")
    if review.outcome == Outcome.RESTRICTION_REQUEST and permissions.can_request_restriction(
        current_user
    ):
        return _l("Review recorded. Now complete the request to restrict contact.")
    return _l("Review recorded.")


def _review_page(form: ReviewForm, incident: Incident, shown: dict):
    """The review form with the warning letter it leads to, or (htmx) the preview alone."""
    state = _preview_state(
        request.form.get("preview_shown", ""),
        shown.get("html"),
        shown.get("errors", {}),
        shown.get("no_letter", False),
    )
    status = 422 if form.is_submitted() and form.error_list() and not is_htmx() else 200
    # Offer only the outcomes open for this incident; the service refuses the others.
    allowed = {o.value for o in outcomes_for(incident)}
    form.outcome.choices = [c for c in form.outcome.choices if c[0] in allowed]
    return render_page_or_fragment(
        "staff/panel/review.html",
        "staff/panel/_preview.html",
        status,
        form=form,
        incident=incident,
        next_stage=stage_for(incident),
        earlier=earlier_stages(incident),
        example_title=example_title,
        today=london_date(utcnow()),
        **state,
    )


def _review_conflict(exc: Conflict, incident: Incident, form):
    return conflict_page(
        exc,
        heading=str(_l("This report has already been reviewed")),
        back_url=url_for("staff.incident", incident_id=incident.id),
        back_label=str(_l("Go to the report")),
        form=form,
    )


def _warning_conflict(exc: Conflict, incident: Incident):
    return conflict_page(
        exc,
        heading=str(_l("The warning has already been issued")),
        back_url=url_for("staff.incident", incident_id=incident.id),
        back_label=str(_l("Go to the report")),
    )


@bp.route("/incidents/<int:incident_id>/warning", methods=["GET", "POST"])
@staff_required(permissions.can_issue_warning)
def warning_preview(incident_id: int):
    """The warning letter as it would be issued, and how it reaches the customer (§8.9)."""
    incident = _incident_for_panel(incident_id)
    form = IssueWarningForm()
    incident_url = url_for("staff.incident", incident_id=incident.id)
    page = partial(_warning_page, form, incident, incident_url)
    if form.validate_on_submit():
        # Issued from a page opened before a colleague issued it: the 409 page says so.
        return perform(
            lambda: issue_warning(actor(), utcnow(), incident, Delivery(form.delivery.data)),
            then=lambda warning: url_for("staff.letter", letter_id=warning.letter_id),
            done=lambda warning: _l(
                "%(stage)s issued. The letter is frozen and recorded on the register. %(sent)s.",
                stage=warning.stage.title,
                sent=warning.sent_line,
            ),
            on_error=lambda exc: (
                beside_fields(form, lambda: page(status=422))(exc)
                if "delivery" in exc.errors
                else _back_to(incident_url, exc.errors)
            ),
            on_conflict=lambda exc: _warning_conflict(exc, incident),
        )
    return page(status=422 if form.is_submitted() else 200)


def _warning_page(form, incident: Incident, incident_url: str, status: int):
    """The letter to check, the way to send it, and (when nothing on the record reaches the
    customer) what to do about it."""
    drafted, refused = preview(lambda: draft_warning_letter(incident, utcnow()))
    if refused:
        return _back_to(incident_url, refused)
    stage, subject, html = drafted
    return render_template(
        "staff/panel/warning_preview.html",
        form=form,
        incident=incident,
        stage=stage,
        subject=subject,
        letter_html=html,
        only_by_hand=deliveries.only_by_hand_notice(incident.customer),
    ), status


def _back_to(url: str, errors: dict):
    """Back to ``url`` (303), saying why the warning cannot be issued."""
    flash(next(iter(errors.values())), "error")
    return redirect(url, 303)
