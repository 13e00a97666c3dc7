"""Incident reports: report, view, add evidence, and the line manager's decision."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal import db, uploads
from portal import idempotency as once
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.conduct_warnings.services import stage_for
from portal.customers.models import Customer
from portal.errors import Problem, ServiceError
from portal.forms import combine
from portal.incidents.catalogue import (
    EXAMPLES,
    Category,
    Channel,
    ManagerDecision,
    ProtectedCharacteristic,
    example_title,
)
from portal.incidents.forms import (
    EvidenceForm,
    IncidentForm,
    ManagerDecisionForm,
    SeriousnessForm,
)
from portal.incidents.models import Attachment, Incident
from portal.incidents.queries import incident_record
from portal.incidents.rules import manager_decisions_allowed
from portal.incidents.services import (
    IncidentInput,
    attach_evidence,
    mark_seriousness,
    record_evidence_download,
    record_manager_decision,
)
from portal.incidents.services import (
    report_incident as report_incident_service,
)
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, get_or_none, staff_required
from portal.steps import beside_fields, conflict_page, perform, record
from portal.timeutil import london_date, utcnow


def _manager_choices() -> list[tuple[int, str]]:
    managers = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(
            UserRole.role == Role.LINE_MANAGER, User.active.is_(True), User.id != current_user.id
        )
        .order_by(User.name)
    ).unique()
    return [(m.id, f"{m.name}, {m.job_title}" if m.job_title else m.name) for m in managers]


def _incident_input(form: IncidentForm, customer: Customer) -> IncidentInput:
    now = utcnow()
    police = form.police_informed.data == "yes"
    police_at = None
    if police and form.police_informed_on.data:
        police_at = combine(form.police_informed_on.data, form.police_informed_time.data, now)
    return IncidentInput(
        customer_id=customer.id,
        occurred_at=combine(form.occurred_on.data, form.occurred_time.data, now),
        channel=Channel(form.channel.data),
        categories=[Category(c) for c in form.categories.data],
        example_types=list(form.example_types.data or []),
        description=form.description.data or "",
        location=form.location.data or "",
        service_area=form.service_area.data or "",
        immediate_action=form.immediate_action.data or "",
        witnesses=form.witnesses.data or "",
        injury=bool(form.injury.data),
        injury_details=form.injury_details.data or "",
        protected_characteristics=[
            ProtectedCharacteristic(p) for p in form.protected_characteristics.data or []
        ],
        police_informed=police,
        police_informed_at=police_at,
        crime_reference=form.crime_reference.data or "",
        line_manager_id=form.line_manager_id.data,
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
@staff_required(permissions.can_report_incident)
def report_incident():
    form = IncidentForm()
    form.line_manager_id.choices = _manager_choices()
    customer = None
    if request.method == "GET":
        customer = get_or_none(Customer, request.args.get("customer", type=int))
        if customer:
            form.customer_reference.data = customer.reference
        if current_user.line_manager_id:
            form.line_manager_id.data = current_user.line_manager_id
    if form.validate_on_submit():
        reference = form.customer_reference.data.strip().upper()
        customer = db.session.scalar(select(Customer).where(Customer.reference == reference))
        upload = request.files.get(form.evidence.name)
        again = once.claim(form, "incident", actor(), utcnow(), url_for("staff.report_incident"))
        if again is not None:
            return again
        file_lost = []

        def _report():
            if customer is None:
                unknown = _l("No customer has that reference")
                raise ServiceError(
                    {"customer_reference": Problem("incident.customer_unknown", unknown)}
                )
            incident = report_incident_service(actor(), utcnow(), _incident_input(form, customer))
            if upload and upload.filename:
                try:
                    _attach(incident, upload)
                except uploads.StorageFailed:
                    file_lost.append(upload)  # the report is kept; only the file must come again
            once.made(form, incident, url_for("staff.incident", incident_id=incident.id))
            return incident

        response = perform(
            _report,
            then=lambda incident: url_for("staff.incident", incident_id=incident.id),
            done=lambda incident: _l(
                "Incident %(ref)s reported. %(manager)s has been told.",
                ref=incident.reference,
                manager=incident.line_manager.name,
            ),
            on_error=beside_fields(
                form,
                lambda: _new_page(form, customer, 422),
                {"occurred_on": "occurred_on", "customer_id": "customer_reference"},
            ),
        )
        if file_lost:
            flash(
                _l(
                    "The report is saved, but the file %(name)s could not be: a problem with "
                    "the portal's file storage. Send the file again: add it under Evidence "
                    "on this page.",
                    name=uploads.clean_filename(upload.filename),
                ),
                "error",
            )
        return response
    return _new_page(form, customer, 422 if form.is_submitted() else 200)


def _new_page(form: IncidentForm, customer: Customer | None, status: int):
    upload = request.files.get(form.evidence.name)
    if status == 422 and upload and upload.filename and not form.evidence.errors:
        # A browser never keeps a chosen file in a page sent back: say so beside the field.
        form.evidence.errors = [
            _l(
                "Attach %(name)s again: the report had a problem, so the file was not kept. "
                "Everything you typed is still here.",
                name=uploads.clean_filename(upload.filename),
            )
        ]
    return render_template(
        "staff/incidents/new.html",
        form=form,
        customer=customer,
        examples=EXAMPLES,
    ), status


def _incident_for_view(incident_id: int) -> Incident:
    incident = get_or_404(Incident, incident_id)
    if not permissions.can_view_incident(current_user, incident):
        abort(403)
    return incident


@bp.route("/incidents/<int:incident_id>")
@staff_required()
def incident(incident_id: int):
    return _incident_page(_incident_for_view(incident_id))


def _incident_page(
    incident: Incident,
    evidence_form: EvidenceForm | None = None,
    status=200,
    serious_form: SeriousnessForm | None = None,
):
    record = incident_record(incident)
    can_review = permissions.can_review_as_panel(current_user, incident)
    return render_template(
        "staff/incidents/show.html",
        incident=incident,
        review=record.review,
        warning=record.warning,
        deadline=record.deadline,
        can_review=can_review,
        next_stage=stage_for(incident) if can_review else None,
        example_title=example_title,
        can_add_evidence=permissions.can_add_evidence(current_user, incident),
        evidence_form=evidence_form or EvidenceForm(),
        form=evidence_form or serious_form,
        serious_form=serious_form or _seriousness_form(incident),
        ManagerDecision=ManagerDecision,
        characteristic=ProtectedCharacteristic,
        today=london_date(utcnow()),
    ), status


def _seriousness_form(incident: Incident) -> SeriousnessForm:
    form = SeriousnessForm()
    form.seen.data = incident.serious_judgement_seen
    return form


def _attach(incident, upload) -> None:
    """Store an uploaded file as evidence on ``incident`` (the service checks it)."""
    attach_evidence(
        actor(),
        utcnow(),
        incident,
        upload.filename,
        upload.read(),
        current_app.config["UPLOAD_DIR"],
        current_app.config["MAX_ATTACHMENT_BYTES"],
    )


@bp.route("/incidents/<int:incident_id>/evidence", methods=["POST"])
@staff_required()
def add_evidence(incident_id: int):
    incident = _incident_for_view(incident_id)
    if not permissions.can_add_evidence(current_user, incident):
        abort(403)
    form = EvidenceForm()
    if form.validate_on_submit():
        return perform(
            lambda: _attach(incident, form.evidence.data),
            then=url_for("staff.incident", incident_id=incident.id, _anchor="evidence"),
            done=_l("Evidence added."),
            on_error=beside_fields(form, lambda: _incident_page(incident, form, 422)),
        )
    return _incident_page(incident, form, 422)


@bp.route("/incidents/<int:incident_id>/seriousness", methods=["POST"])
@staff_required(permissions.can_review_as_panel)
def mark_incident_seriousness(incident_id: int):
    incident = _incident_for_view(incident_id)
    if not permissions.can_review_as_panel(current_user, incident):
        abort(403)
    form = SeriousnessForm()
    if form.validate_on_submit():
        return perform(
            lambda: mark_seriousness(
                actor(),
                utcnow(),
                incident,
                form.serious.data == "yes",
                form.serious_reason.data,
                seen=form.seen_judgement(),
            ),
            then=url_for("staff.incident", incident_id=incident.id, _anchor="seriousness"),
            done=_l("Your judgement on whether the incident is serious is recorded."),
            on_error=beside_fields(form, lambda: _incident_page(incident, None, 422, form)),
            on_conflict=lambda exc: conflict_page(
                exc,
                heading=str(_l("The Panel's judgement has changed")),
                back_url=url_for("staff.incident", incident_id=incident.id, _anchor="seriousness"),
                back_label=str(_l("Go to the report")),
                form=form,
            ),
        )
    return _incident_page(incident, None, 422, form)


@bp.route("/incidents/<int:incident_id>/evidence/<int:attachment_id>")
@staff_required()
def evidence_file(incident_id: int, attachment_id: int):
    incident = _incident_for_view(incident_id)
    attachment = get_or_404(Attachment, attachment_id)
    if attachment.incident_id != incident.id:
        abort(404)
    path = current_app.config["UPLOAD_DIR"] / attachment.stored_name
    if not path.is_file():
        abort(404)
    record(lambda: record_evidence_download(actor(), utcnow(), incident, attachment))
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
    )
    # Evidence may name victims and witnesses: never keep a copy in a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/incidents/<int:incident_id>/decision", methods=["GET", "POST"])
@staff_required()
def manager_decision(incident_id: int):
    incident = _incident_for_view(incident_id)
    if not permissions.can_decide_as_line_manager(current_user, incident):
        abort(403)
    if incident.manager_decided:
        flash(_l("The decision on this incident has already been recorded."), "success")
        return redirect(url_for("staff.incident", incident_id=incident.id), 303)
    form = ManagerDecisionForm()
    # Only what this incident allows: ending all contact needs a serious incident (§8.19).
    allowed = {d.value for d in manager_decisions_allowed(incident.serious)}
    form.decisions.choices = [c for c in form.decisions.choices if c[0] in allowed]
    if form.validate_on_submit():
        return perform(
            lambda: record_manager_decision(
                actor(),
                utcnow(),
                incident,
                [ManagerDecision(d) for d in form.decisions.data],
                form.notes.data or "",
            ),
            then=url_for("staff.incident", incident_id=incident.id),
            done=_l("Decision recorded."),
            on_error=beside_fields(form, lambda: _decision_page(form, incident, 422)),
        )
    return _decision_page(form, incident, 422 if form.is_submitted() else 200)


def _decision_page(form: ManagerDecisionForm, incident: Incident, status: int):
    return render_template(
        "staff/incidents/decision.html", form=form, incident=incident, example_title=example_title
    ), status
