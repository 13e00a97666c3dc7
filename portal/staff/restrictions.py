"""Restriction requests (Appendix B), the GLT decision and the decision letter (§8.16–8.20)."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal import db
from portal import idempotency as once
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.customers.models import Customer
from portal.errors import Conflict, Problem, ServiceError
from portal.htmx import render_page_or_fragment
from portal.letters import delivery as deliveries
from portal.paging import page_arg
from portal.restrictions import queries, services
from portal.restrictions.forms import (
    DecisionForm,
    LetterForm,
    MoreInfoForm,
    RequestForm,
    as_yes_no,
    yes_no,
)
from portal.restrictions.kinds import KINDS
from portal.restrictions.models import (
    CHECKLIST,
    Delivery,
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
)
from portal.restrictions.review_together import CHANGED, in_force_seen, others_in_force
from portal.restrictions.rules import allowed_contact
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, conflict_page, perform, preview
from portal.timeutil import london_date, utcnow


def _manager_choices() -> list[tuple[int, str]]:
    managers = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role.in_([Role.LINE_MANAGER, Role.PANEL, Role.CEM]), User.active.is_(True))
        .order_by(User.name)
    ).unique()
    return [(0, str(_l("Choose a manager")))] + [
        (m.id, f"{m.name}, {m.job_title}") for m in managers
    ]


def _request_input(form: RequestForm) -> services.RequestInput:
    eia_needed, eia_outcome, eia_note = form.eia_answer()
    return services.RequestInput(
        checklist={key: getattr(form, f"checklist_{key}").data or "" for key in CHECKLIST},
        proposed_kinds=[RestrictionKind(k) for k in form.proposed_kinds.data or []],
        proposal=form.proposal.data or "",
        waiver_incident_id=form.waiver_incident_id.data or None,
        waiver_reason=form.waiver_reason.data or "",
        representative_considered=yes_no(form.representative_considered.data),
        representative_decision=form.representative_decision.data or "",
        eia_needed=eia_needed,
        eia_outcome=eia_outcome,
        eia_note=eia_note,
        other_methods_exhausted=bool(form.other_methods_exhausted.data),
        other_methods_tried=form.other_methods_tried.data or "",
    )


def _request_page(form, customer, restriction_request=None, status=200):
    today = london_date(utcnow())
    serious = services.serious_incidents(customer.id)
    form.waiver_incident_id.choices = [(0, str(_l("No serious incident")))] + [
        (i.id, f"{i.reference}, {i.occurred_at:%d %b %Y}") for i in serious
    ]
    if not serious:
        # Ending all contact needs a serious incident (§8.19): not offered without one.
        form.proposed_kinds.choices = [
            (value, title)
            for value, title in form.proposed_kinds.choices
            if not KINDS[RestrictionKind(value)].needs_serious_incident
        ]
    return render_template(
        "staff/restrictions/request_form.html",
        form=form,
        customer=customer,
        final_warning=services.live_final_warning(customer.id, today),
        serious=serious,
        checklist=CHECKLIST,
        restriction_request=restriction_request,
        offers_end_all=services.ends_all_contact(v for v, _t in form.proposed_kinds.choices),
    ), status


@bp.route("/customers/<int:customer_id>/restriction-requests/new", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def new_restriction_request(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = RequestForm()
    form.waiver_incident_id.choices = [(0, "")] + [
        (i.id, i.reference) for i in services.serious_incidents(customer.id)
    ]
    if form.validate_on_submit():
        form_url = url_for("staff.new_restriction_request", customer_id=customer.id)
        if (
            again := once.claim(form, "restriction_request", actor(), utcnow(), form_url)
        ) is not None:
            return again

        def _submit():
            created = services.submit_request(actor(), utcnow(), customer, _request_input(form))
            once.made(form, created, _request_url(created))
            return created

        return perform(
            _submit,
            then=_request_url,
            done=lambda created: _l(
                "Request %(ref)s sent to the Group Leadership Team.", ref=created.reference
            ),
            on_error=beside_fields(form, lambda: _request_page(form, customer, status=422)),
        )
    return _request_page(form, customer, status=422 if form.is_submitted() else 200)


def _request_url(restriction_request) -> str:
    return url_for("staff.restriction_request", request_id=restriction_request.id)


@bp.route("/restriction-requests/<int:request_id>/edit", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def edit_restriction_request(request_id: int):
    restriction_request = get_or_404(RestrictionRequest, request_id)
    if restriction_request.status != RequestStatus.MORE_INFO and request.method == "GET":
        return redirect(url_for("staff.restriction_request", request_id=request_id), 303)
    data = {f"checklist_{k}": v for k, v in restriction_request.checklist.items()}
    data.update(
        proposal=restriction_request.proposal,
        proposed_kinds=restriction_request.proposed_kinds,
        waiver_incident_id=restriction_request.waiver_incident_id or 0,
        waiver_reason=restriction_request.waiver_reason,
        representative_considered=as_yes_no(restriction_request.representative_considered),
        representative_decision=restriction_request.representative_decision,
        eia_needed=as_yes_no(restriction_request.eia_needed),
        eia_outcome=restriction_request.eia_outcome and restriction_request.eia_outcome.value,
        eia_note=restriction_request.eia_note,
        other_methods_exhausted=restriction_request.other_methods_exhausted,
        other_methods_tried=restriction_request.other_methods_tried,
    )
    form = RequestForm(data=data)
    form.waiver_incident_id.choices = [(0, "")] + [
        (i.id, i.reference) for i in services.serious_incidents(restriction_request.customer_id)
    ]
    page = partial(_request_page, form, restriction_request.customer, restriction_request)
    if form.validate_on_submit():
        return perform(
            lambda: services.resubmit(actor(), utcnow(), restriction_request, _request_input(form)),
            then=url_for("staff.restriction_request", request_id=request_id),
            done=_l("Request sent back to the Group Leadership Team."),
            on_error=beside_fields(form, lambda: page(status=422)),
            on_conflict=lambda exc: _request_conflict(exc, restriction_request, form),
        )
    return page(status=422 if form.is_submitted() else 200)


@bp.route("/restriction-requests")
@staff_required(permissions.can_view_restrictions)
def restriction_requests():
    rows, page = queries.requests_page(page_arg())
    return render_template("staff/restrictions/requests.html", rows=rows, page=page)


def _decision_form() -> DecisionForm:
    form = DecisionForm()
    form.named_manager_id.choices = _manager_choices()
    return form


def _show_request(restriction_request, decision_form=None, more_form=None, status=200):
    created = list(
        db.session.scalars(
            select(Restriction).where(Restriction.request_id == restriction_request.id)
        )
    )
    fresh = decision_form is None
    if decision_form is None:
        decision_form = _decision_form()
        # The proposal ticked to start with: approving it as it stands is one click.
        decision_form.kind.data = list(restriction_request.proposed_kinds)
        # The Panel's EIA answer to start with: GLT confirms it, or records its own (§4.7).
        decision_form.start_eia_from(
            restriction_request.eia_needed, restriction_request.eia_outcome, ""
        )
    is_glt = permissions.can_decide_restriction(current_user)
    blocker = services.decision_blocker(current_user, restriction_request) if is_glt else None
    can_decide = is_glt and blocker is None
    # Restrictions already in force: GLT may review the new one together with them (§10.1).
    in_force = (
        others_in_force(
            restriction_request.customer_id, london_date(utcnow()), (r.id for r in created)
        )
        if can_decide
        else []
    )
    if in_force and fresh:
        decision_form.review_together.data = True
    decision_form.in_force_seen.data = in_force_seen(in_force)
    if len(in_force) == 1:
        decision_form.review_together.label.text = str(
            _l("Review together with the restriction already in force")
        )
    return render_template(
        "staff/restrictions/request.html",
        r=restriction_request,
        checklist=CHECKLIST,
        # Either form's errors head the page in the error summary (and "Error:" in the title).
        form=decision_form
        if decision_form.errors
        else (more_form if more_form is not None and more_form.errors else None),
        decision_form=decision_form,
        more_form=more_form or MoreInfoForm(prefix="more"),
        can_decide=can_decide,
        blocker=blocker,
        is_requester=current_user.id == restriction_request.requested_by_id,
        created=created,
        in_force=[(r, allowed_contact(r)) for r in in_force],
        today=london_date(utcnow()),
        RestrictionKind=RestrictionKind,
        ends_all=services.ends_all_contact(restriction_request.proposed_kinds),
        final_warning=services.live_final_warning(
            restriction_request.customer_id, london_date(restriction_request.requested_at)
        ),
    ), status


@bp.route("/restriction-requests/<int:request_id>")
@staff_required(permissions.can_view_restrictions)
def restriction_request(request_id: int):
    return _show_request(get_or_404(RestrictionRequest, request_id))


@bp.route("/restriction-requests/<int:request_id>/decision", methods=["POST"])
@staff_required(permissions.can_decide_restriction)
def decide_restriction_request(request_id: int):
    restriction_request = get_or_404(RestrictionRequest, request_id)
    if services.wrote_request(current_user, restriction_request):
        abort(403)
    form = _decision_form()
    if form.validate_on_submit():
        outcome = RequestStatus(form.outcome.data)

        def _decide():
            specs = []
            if outcome != RequestStatus.REJECTED:
                missing = {
                    name: Problem(f"restriction.{name}_missing", said)
                    for name, said in (
                        ("kind", _l("Choose the restriction you approve")),
                        ("starts_on", _l("Enter the start date")),
                        ("review_on", _l("Enter the review date")),
                    )
                    if not form[name].data
                }
                if missing:
                    raise ServiceError(missing)
                specs = [
                    form.spec(form.starts_on.data, form.review_on.data, kind)
                    for kind in form.kind.data
                ]
            # Not sent (a form without the question): GLT confirms the Panel's answer.
            eia = services.EiaAnswer(*form.eia_answer()) if form.eia_needed.raw_data else None
            return services.decide(
                actor(),
                utcnow(),
                restriction_request,
                outcome,
                form.reasons.data or "",
                specs,
                eia,
                together=bool(form.review_together.data),
                seen_in_force=form.seen_in_force(),
            )

        def _refused(exc):
            form.apply_errors(exc)
            return _show_request(restriction_request, decision_form=form, status=422)

        endpoint = (
            "staff.restriction_request"
            if outcome == RequestStatus.REJECTED
            else "staff.decision_letter"
        )
        return perform(
            _decide,
            then=url_for(endpoint, request_id=request_id),
            done=_l("Decision recorded: %(outcome)s.", outcome=outcome.title),
            on_error=_refused,
            on_conflict=lambda exc: _request_conflict(exc, restriction_request, form),
        )
    return _show_request(restriction_request, decision_form=form, status=422)


def _request_conflict(exc: Conflict, restriction_request, form):
    """The 409 page for a decision or question that came second, or for a decision made
    on restrictions in force that have changed since the page was opened."""
    changed = exc.problem(CHANGED.code) is not None
    return conflict_page(
        exc,
        heading=str(
            _l("The restrictions already in force have changed")
            if changed
            else _l("This request has already been dealt with")
        ),
        back_url=url_for("staff.restriction_request", request_id=restriction_request.id),
        back_label=str(_l("Go to the request")),
        form=form,
    )


@bp.route("/restriction-requests/<int:request_id>/more-information", methods=["POST"])
@staff_required(permissions.can_decide_restriction)
def ask_more_information(request_id: int):
    restriction_request = get_or_404(RestrictionRequest, request_id)
    form = MoreInfoForm(prefix="more")
    if form.validate_on_submit():

        def _refused(exc):
            form.apply_errors(exc)
            return _show_request(restriction_request, more_form=form, status=422)

        return perform(
            lambda: services.ask_for_more(
                actor(), utcnow(), restriction_request, form.question.data
            ),
            then=url_for("staff.restriction_request", request_id=request_id),
            done=_l("Question sent to the Panel."),
            on_error=_refused,
            on_conflict=lambda exc: _request_conflict(exc, restriction_request, form),
        )
    return _show_request(restriction_request, more_form=form, status=422)


@bp.route("/restriction-requests/<int:request_id>/letter", methods=["GET", "POST"])
@staff_required(permissions.can_view_restrictions)
def decision_letter(request_id: int):
    restriction_request = get_or_404(RestrictionRequest, request_id)
    if not (
        permissions.can_decide_restriction(current_user)
        or permissions.can_request_restriction(current_user)
    ):
        abort(403)
    # Only those still waiting for their letter: never one lifted, replaced or already told.
    restrictions = queries.needing_decision_letter(request_id)
    sending = request.method == "POST" and request.form.get("action") != "preview"
    if not restrictions and sending:
        # Sent from a page opened before someone else issued the letter.
        sent = services.decision_letter_sent(request_id)
        if sent is not None:
            return _letter_conflict(sent, request_id)
    if not restrictions:
        flash(_l("There is no decision letter waiting to be sent for this request."), "success")
        return redirect(url_for("staff.restriction_request", request_id=request_id), 303)
    form = LetterForm(
        request.form if request.method == "POST" else request.args,
        meta={"csrf": request.method == "POST"},
    )
    try:
        delivery = Delivery(form.delivery.data or Delivery.POST.value)
    except ValueError:
        delivery = Delivery.POST
        form.delivery.errors = [str(_l("Choose how the letter is sent"))]
    previewing = request.form.get("action") == "preview"
    page = partial(_letter_page, restriction_request, restrictions, form, delivery)
    if request.method == "POST" and form.validate() and not previewing:
        return perform(
            lambda: services.issue_decision_letter(actor(), utcnow(), restrictions, delivery),
            then=lambda letter: url_for("staff.letter", letter_id=letter.id),
            done=_l(
                "Decision letter issued. The restriction is in force and shown on the "
                "customer's record."
            ),
            on_error=beside_fields(form, lambda: page(status=422)),
            on_conflict=lambda exc: _letter_conflict(exc, request_id),
        )
    return page(status=422 if request.method == "POST" and not previewing else 200)


def _letter_page(restriction_request, restrictions, form, delivery, status: int):
    """The decision letter as it would be issued (or, htmx, its preview alone)."""
    now = utcnow()
    drafted, refused = preview(lambda: services.draft_decision_letter(restrictions, delivery, now))
    missing = services.missing_from_decision_letter(restrictions)
    if refused:  # drafting refuses nothing today; were it to, the page would say what
        html, dates = "", services.letter_dates(delivery, now)
        missing = [*missing, *refused.values()]
    else:
        _subject, html, dates = drafted
    return render_page_or_fragment(
        "staff/restrictions/letter.html",
        "staff/restrictions/_letter_preview.html",
        status=status,
        form=form,
        r=restriction_request,
        letter_html=html,
        dates=dates,
        missing=missing,
        cannot=deliveries.problem(restrictions[0].customer, delivery),
        delivery=delivery,
    )


def _letter_conflict(exc: Conflict, request_id: int):
    return conflict_page(
        exc,
        heading=str(_l("The decision letter has already been issued")),
        back_url=url_for("staff.restriction_request", request_id=request_id),
        back_label=str(_l("Go to the request")),
    )
