"""The Customer Experience Manager's appeal tracker, each appeal's steps, GLT's decision and
lodging an appeal on a customer's behalf (§9.1–9.4)."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal import db
from portal import idempotency as once
from portal.appeals import evidence as evidence_files
from portal.appeals import progress as appeal_progress
from portal.appeals import rules
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealChannel, AppealOutcome
from portal.appeals.queries import appeal_decisions
from portal.auth import permissions
from portal.customers.models import Customer
from portal.errors import Conflict, ServiceError
from portal.forms import BaseForm, PlainDateField, PlainTimeField
from portal.idempotency import OnceForm
from portal.restrictions.forms import SpecMixin
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.staff.restrictions import _manager_choices
from portal.steps import conflict_page, perform
from portal.timeutil import london_date, utcnow


class LateDecisionForm(BaseForm):
    accept = RadioField(
        _l("Accept the late appeal?"),
        choices=[("yes", _l("Yes, accept it")), ("no", _l("No, do not accept it"))],
        validators=[InputRequired(_l("Choose whether to accept the late appeal"))],
    )
    late_decision_reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(_l("Give the reason for the decision")), Length(max=3000)],
    )


class DecisionForm(SpecMixin, BaseForm):
    outcome = RadioField(
        _l("Decision"),
        choices=[(o.value, o.title) for o in AppealOutcome],
        validators=[InputRequired(_l("Choose the decision"))],
    )
    reasons = TextAreaField(
        _l("Reasons, as the customer will read them"),
        validators=[InputRequired(_l("Give the reasons for the decision")), Length(max=5000)],
    )
    review_on = PlainDateField(
        _l("Review date"), validators=[Optional()], message=_l("Enter a real review date")
    )


def _decision_form(appeal: Appeal) -> DecisionForm:
    """The GLT decision form; the changed-restriction fields start from the current terms."""
    form = DecisionForm(prefix="decision")
    form.named_manager_id.choices = _manager_choices()
    if request.endpoint != "staff.decide_appeal":
        form.start_from(appeal.restriction)
    return form


def _variation(form: DecisionForm):
    """The changed restriction from the form, if GLT varied it and chose its kind."""
    if form.outcome.data != AppealOutcome.VARIED.value or not form.kind.data:
        return None
    return form.spec(london_date(utcnow()), form.review_on.data)


class AssistedForm(OnceForm):
    channel = RadioField(
        _l("How did the customer appeal?"),
        choices=[(c.value, c.title) for c in AppealChannel if c != AppealChannel.PORTAL],
        validators=[InputRequired(_l("Choose how the customer appealed"))],
    )
    received_on = PlainDateField(
        _l("Date received"),
        validators=[InputRequired(_l("Enter the date the appeal was received"))],
        message=_l("Enter a real date, like 2027-03-19"),
    )
    received_time = PlainTimeField(_l("Time received"), validators=[Optional()])
    helped_by = StringField(
        _l("Who helped (for example an interpreter, a representative or a colleague)"),
        validators=[Optional(), Length(max=200)],
    )
    grounds = TextAreaField(
        _l("The customer's reasons, in their words"),
        validators=[InputRequired(_l("Record the customer's reasons")), Length(max=5000)],
    )
    new_information = TextAreaField(
        _l("New information the customer gave"), validators=[Optional(), Length(max=5000)]
    )
    interpreter_language = StringField(
        _l("Interpreter needed: which language?"),
        validators=[Optional(), Length(max=80)],
    )
    representative = StringField(_l("Representative"), validators=[Optional(), Length(max=200)])
    late_reason = TextAreaField(
        _l("If the appeal is late: the customer's reason"),
        validators=[Optional(), Length(max=5000)],
    )


@bp.route("/appeals")
@staff_required(permissions.can_view_appeals)
def appeals_tracker():
    today = london_date(utcnow())
    rows = [
        {"appeal": row.appeal, "steps": row.steps, "current": row.current}
        for row in appeal_progress.most_pressing_first(appeal_progress.for_open_appeals(today))
    ]
    return render_template(
        "staff/appeals/tracker.html", rows=rows, today=today, titles=rules.STATUS_TITLES
    )


def _appeal(appeal_id: int) -> Appeal:
    appeal = get_or_404(Appeal, appeal_id)
    if appeal.reference is None:  # a customer's unsent draft is theirs alone
        abort(404)
    return appeal


def _show(appeal: Appeal, late_form=None, decision_form=None, status=200):
    progress = appeal_progress.for_appeal(appeal, london_date(utcnow()))
    may_decide = appeals.may_decide(current_user, appeal)
    sent_back = late_form or decision_form  # a form returned with errors, for the summary
    if decision_form is None and may_decide and appeal.status.value == "with_glt":
        decision_form = _decision_form(appeal)
    return render_template(
        "staff/appeals/show.html",
        appeal=appeal,
        steps=progress.steps,
        titles=rules.STATUS_TITLES,
        late_form=late_form or LateDecisionForm(prefix="late"),
        decision_form=decision_form,
        can_manage=permissions.can_manage_appeals(current_user),
        may_decide=may_decide,
        form=sent_back,
    ), status


@bp.route("/appeals/<int:appeal_id>")
@staff_required(permissions.can_view_appeals)
def appeal_case(appeal_id: int):
    return _show(_appeal(appeal_id))


def _step(appeal_id: int, action, done: str):
    appeal = _appeal(appeal_id)
    return perform(
        lambda: action(actor(), utcnow(), appeal),
        then=url_for("staff.appeal_case", appeal_id=appeal.id),
        done=done,
        on_conflict=lambda exc: _appeal_conflict(exc, appeal),
    )


def _appeal_conflict(exc: Conflict, appeal: Appeal, form=None):
    """The 409 page for an appeal step someone else took first."""
    return conflict_page(
        exc,
        heading=str(_l("This step has already been taken on appeal %(ref)s", ref=appeal.reference)),
        back_url=url_for("staff.appeal_case", appeal_id=appeal.id),
        back_label=str(_l("Go to the appeal")),
        form=form,
    )


@bp.route("/appeals/<int:appeal_id>/evidence/<int:evidence_id>")
@staff_required(permissions.can_view_appeals)
def appeal_evidence_file(appeal_id: int, evidence_id: int):
    appeal = _appeal(appeal_id)
    item = evidence_files.evidence_of(appeal, evidence_id)
    path = current_app.config["UPLOAD_DIR"] / "appeals" / item.stored_name if item else None
    if path is None or not path.is_file():
        abort(404)
    evidence_files.record_download(actor(), utcnow(), appeal, item)
    db.session.commit()
    response = send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/appeals/<int:appeal_id>/acknowledge", methods=["POST"])
@staff_required(permissions.can_manage_appeals)
def acknowledge_appeal(appeal_id: int):
    return _step(
        appeal_id,
        appeals.acknowledge,
        _l("Acknowledged: the letter with the outcome date is issued."),
    )


@bp.route("/appeals/<int:appeal_id>/refer", methods=["POST"])
@staff_required(permissions.can_manage_appeals)
def refer_appeal(appeal_id: int):
    return _step(appeal_id, appeals.refer_to_glt, _l("Passed to GLT."))


@bp.route("/appeals/<int:appeal_id>/outcome", methods=["POST"])
@staff_required(permissions.can_manage_appeals)
def send_appeal_outcome(appeal_id: int):
    return _step(appeal_id, appeals.send_outcome, _l("The outcome letter is issued."))


@bp.route("/appeals/<int:appeal_id>/late", methods=["POST"])
@staff_required(permissions.can_manage_appeals)
def decide_late_appeal(appeal_id: int):
    appeal = _appeal(appeal_id)
    form = LateDecisionForm(prefix="late")
    if form.validate_on_submit():

        def _refused(exc):
            form.apply_errors(exc)
            return _show(appeal, late_form=form, status=422)

        return perform(
            lambda: appeals.decide_late(
                actor(), utcnow(), appeal, form.accept.data == "yes", form.late_decision_reason.data
            ),
            then=url_for("staff.appeal_case", appeal_id=appeal.id),
            done=_l("Late-appeal decision recorded."),
            on_error=_refused,
            on_conflict=lambda exc: _appeal_conflict(exc, appeal, form),
        )
    return _show(appeal, late_form=form, status=422)


@bp.route("/appeals/<int:appeal_id>/decision", methods=["POST"])
@staff_required(permissions.can_decide_appeal)
def decide_appeal(appeal_id: int):
    appeal = _appeal(appeal_id)
    if not appeals.may_decide(current_user, appeal):
        abort(403)
    form = _decision_form(appeal)
    if form.validate_on_submit():

        def _refused(exc):
            form.apply_errors(exc)
            return _show(appeal, decision_form=form, status=422)

        return perform(
            lambda: appeals.glt_decide(
                actor(),
                utcnow(),
                appeal,
                AppealOutcome(form.outcome.data),
                form.reasons.data,
                _variation(form),
            ),
            then=url_for("staff.appeal_case", appeal_id=appeal.id),
            done=_l("Decision recorded. The Customer Experience Manager has been told."),
            on_error=_refused,
            on_conflict=lambda exc: _appeal_conflict(exc, appeal, form),
        )
    return _show(appeal, decision_form=form, status=422)


@bp.route("/customers/<int:customer_id>/appeals/new", methods=["GET", "POST"])
@staff_required(permissions.can_lodge_appeal_for_customer)
def lodge_appeal_for_customer(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = AssistedForm()
    record_url = url_for("staff.customer", customer_id=customer.id)
    if (again := once.sent_before(form, "appeal", actor(), record_url)) is not None:
        return again  # this form, sent again: its appeal
    rights = appeal_decisions(customer.id, utcnow())
    right = next((r for r in rights if r.may_appeal), None)
    if right is None:
        sent = next((r.appeal for r in rights if r.appeal is not None), None)
        if sent is not None and request.method == "POST":
            # Sent from a form opened before a colleague lodged the appeal: say so, and
            # show back what was typed.
            return _lodged_conflict(appeals.already_appealed(sent), sent, form)
        if sent is None:
            flash(_l("This customer has no restriction decision to appeal."), "error")
            return redirect(url_for("staff.customer", customer_id=customer.id), 303)
        if sent.status.value in ("closed", "not_accepted"):
            flash(
                _l(
                    "The customer's appeal against this decision is over: there is no further "
                    "appeal (§9.4)."
                ),
                "error",
            )
        else:
            flash(_l("The customer has already appealed against this decision."), "error")
        return redirect(url_for("staff.appeal_case", appeal_id=sent.id), 303)
    restriction = right.restriction
    if request.method == "GET":
        form.received_on.data = london_date(utcnow())
    if form.validate_on_submit():
        now = utcnow()
        received_at = appeals.received_at_for(now, form.received_on.data, form.received_time.data)
        if (again := once.claim(form, "appeal", actor(), now, record_url)) is not None:
            return again
        try:
            appeal = appeals.start_draft(now, restriction)
            appeals.save_answers(
                now,
                appeal,
                appeals.Answers(
                    grounds=form.grounds.data,
                    new_information=form.new_information.data or "",
                    needs_interpreter=bool((form.interpreter_language.data or "").strip()),
                    interpreter_language=form.interpreter_language.data or "",
                    representative=form.representative.data or "",
                    late_reason=(form.late_reason.data or "").strip() or None,
                ),
            )
            appeals.lodge(
                actor(),
                now,
                appeal,
                secrets.token_hex(16),
                channel=AppealChannel(form.channel.data),
                received_at=received_at,
                helped_by=form.helped_by.data or "",
            )
        except Conflict as exc:
            db.session.rollback()
            sent = appeals.appeal_against_decision(restriction)
            if sent is not None:
                return _lodged_conflict(exc, sent, form)
            form.apply_errors(exc, aliases={"appealed": "", "final": "", "restriction": ""})
        except ServiceError as exc:
            db.session.rollback()
            form.apply_errors(exc, aliases={"appealed": "", "final": "", "restriction": ""})
        else:
            appeal_url = url_for("staff.appeal_case", appeal_id=appeal.id)
            once.made(form, appeal, appeal_url)
            db.session.commit()
            flash(_l("Appeal %(ref)s lodged for the customer.", ref=appeal.reference), "success")
            return redirect(appeal_url, 303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "staff/appeals/lodge.html",
        form=form,
        customer=customer,
        restriction=restriction,
        sent_on=appeals.decision_sent_on(restriction),
    ), status


def _lodged_conflict(exc: Conflict, sent: Appeal, form):
    return conflict_page(
        exc,
        heading=str(_l("The customer's appeal has already been lodged")),
        back_url=url_for("staff.appeal_case", appeal_id=sent.id),
        back_label=str(_l("Go to appeal %(ref)s", ref=sent.reference)),
        form=form,
    )
