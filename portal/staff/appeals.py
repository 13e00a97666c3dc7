"""The Customer Experience Manager's appeal tracker, each appeal's steps, GLT's decision and
lodging an appeal on a customer's behalf (§9.1–9.4)."""

from __future__ import annotations

import secrets
from functools import cache
from typing import NamedTuple

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import deadlines
from portal import idempotency as once
from portal.appeals import decision, for_customer, handling, lodging, rules
from portal.appeals import evidence as evidence_files
from portal.appeals import progress as appeal_progress
from portal.appeals import tracker as appeal_tracker
from portal.appeals.forms import AssistedForm, DecisionForm, LateDecisionForm
from portal.appeals.models import Appeal, AppealChannel, AppealOutcome
from portal.appeals.people import may_decide
from portal.appeals.queries import TRACKER_ORDERS, TRACKER_SHOWS, appeal_decisions
from portal.auth import permissions
from portal.customers import adjustments
from portal.customers.models import Customer
from portal.errors import Conflict, ServiceError
from portal.i18n import long_date
from portal.paging import page_arg
from portal.staff import bp
from portal.staff.formatting import ListFormat
from portal.staff.guard import actor, get_or_404, staff_required
from portal.staff.restrictions import _manager_choices
from portal.steps import conflict_page, perform, record
from portal.timeutil import london_date, utcnow


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


class _TrackerLine(NamedTuple):
    """One appeal as the tracker writes it: every date and word already in the reader's
    language."""

    href: str
    reference: str
    late: bool
    customer: str
    received: str
    counted: str  # "counted from <date>" when its clock starts on a later day, else ""
    step: str  # the title of the step it waits on; "" when none is left
    due: str
    status: str | None
    overdue: str  # "Overdue since <date>; now aim for <date>." when it is overdue, else ""


def _tracker_lines(listed: appeal_tracker.Tracker) -> list[_TrackerLine]:
    """The page's rows written out: each distinct day, step title and note once, not once a
    row (many appeals share a date)."""
    dated = ListFormat()
    long = cache(long_date)
    titles = {key: str(title) for key, title in rules.STEP_TITLES.items()}
    aim = long(listed.catch_up)

    @cache
    def counted(day):
        return _("counted from %(date)s", date=dated.date(day))

    @cache
    def overdue(due):
        return _("Overdue since %(due)s; now aim for %(date)s.", due=long(due), date=aim)

    return [
        _TrackerLine(
            url_for("staff.appeal_case", appeal_id=row.id),
            row.reference,
            row.late,
            row.customer,
            dated.date(row.arrived_on),
            counted(row.counted_from) if row.moved else "",
            titles[row.step] if row.step else "",
            dated.date(row.due),
            row.status,
            overdue(row.due) if row.overdue else "",
        )
        for row in listed.rows
    ]


@bp.route("/appeals")
@staff_required(permissions.can_view_appeals)
def appeals_tracker():
    """The open appeals, a page at a time: the step due soonest first, or by when each came;
    all of them, or only those overdue or due by the next working day."""
    today = london_date(utcnow())
    order = request.args.get("sort", "due")
    order = order if order in TRACKER_ORDERS else "due"
    show = request.args.get("show", "all")
    show = show if show in TRACKER_SHOWS else "all"
    listed = appeal_tracker.tracker(page_arg(), today, order, show)
    return render_template(
        "staff/appeals/tracker.html",
        rows=_tracker_lines(listed),
        page=listed.page,
        order=order,
        show=show,
        titles=rules.STATUS_TITLES,
    )


def _appeal(appeal_id: int) -> Appeal:
    appeal = get_or_404(Appeal, appeal_id)
    if appeal.reference is None:  # a customer's unsent draft is theirs alone
        abort(404)
    return appeal


def _show(appeal: Appeal, late_form=None, decision_form=None, status=200):
    progress = appeal_progress.for_appeal(appeal, london_date(utcnow()))
    deciding = may_decide(current_user, appeal)
    sent_back = late_form or decision_form  # a form returned with errors, for the summary
    if decision_form is None and deciding and appeal.is_with_glt:
        decision_form = _decision_form(appeal)
    return render_template(
        "staff/appeals/show.html",
        appeal=appeal,
        moves=deadlines.moved_dates(appeal),
        steps=progress.steps,
        progress=progress,
        titles=rules.STATUS_TITLES,
        late_form=late_form or LateDecisionForm(prefix="late"),
        decision_form=decision_form,
        can_manage=permissions.can_manage_appeals(current_user),
        may_decide=deciding,
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
        then=_case_url(appeal),
        done=done,
        on_conflict=lambda exc: _appeal_conflict(exc, appeal),
    )


def _appeal_conflict(exc: Conflict, appeal: Appeal, form=None):
    """The 409 page for an appeal step someone else took first."""
    return conflict_page(
        exc,
        heading=str(_l("This step has already been taken on appeal %(ref)s", ref=appeal.reference)),
        back_url=_case_url(appeal),
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
    record(lambda: evidence_files.record_download(actor(), utcnow(), appeal, item))
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
        handling.acknowledge,
        _l("Acknowledged: the letter with the outcome date is issued."),
    )


@bp.route("/appeals/<int:appeal_id>/refer", methods=["POST"])
@staff_required(permissions.can_manage_appeals)
def refer_appeal(appeal_id: int):
    return _step(appeal_id, handling.refer_to_glt, _l("Passed to GLT."))


@bp.route("/appeals/<int:appeal_id>/outcome", methods=["POST"])
@staff_required(permissions.can_manage_appeals)
def send_appeal_outcome(appeal_id: int):
    return _step(appeal_id, decision.send_outcome, _l("The outcome letter is issued."))


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
            lambda: handling.decide_late(
                actor(), utcnow(), appeal, form.accept.data == "yes", form.late_decision_reason.data
            ),
            then=_case_url(appeal),
            done=_l("Late-appeal decision recorded."),
            on_error=_refused,
            on_conflict=lambda exc: _appeal_conflict(exc, appeal, form),
        )
    return _show(appeal, late_form=form, status=422)


@bp.route("/appeals/<int:appeal_id>/decision", methods=["POST"])
@staff_required(permissions.can_decide_appeal)
def decide_appeal(appeal_id: int):
    appeal = _appeal(appeal_id)
    if not may_decide(current_user, appeal):
        abort(403)
    form = _decision_form(appeal)
    if form.validate_on_submit():

        def _refused(exc):
            form.apply_errors(exc)
            return _show(appeal, decision_form=form, status=422)

        return perform(
            lambda: decision.glt_decide(
                actor(),
                utcnow(),
                appeal,
                AppealOutcome(form.outcome.data),
                form.reasons.data,
                _variation(form),
            ),
            then=_case_url(appeal),
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
            return _lodged_conflict(lodging.already_appealed(sent), sent, form)
        if sent is None:
            flash(_l("This customer has no restriction decision to appeal."), "error")
            return redirect(url_for("staff.customer", customer_id=customer.id), 303)
        if sent.is_final:
            flash(
                _l(
                    "The customer's appeal against this decision is over: there is no further "
                    "appeal (§9.4)."
                ),
                "error",
            )
        else:
            flash(_l("The customer has already appealed against this decision."), "error")
        return redirect(_case_url(sent), 303)
    decisions = _offer_decisions(form, customer)
    if request.method == "GET":
        form.received_on.data = london_date(utcnow())
        recorded = adjustments.for_customer(customer.id)  # §12.1: the interpreter they need
        if recorded is not None and recorded.interpreter:
            form.interpreter_language.data = recorded.interpreter_language
    if form.validate_on_submit():
        now = utcnow()
        if (again := once.claim(form, "appeal", actor(), now, record_url)) is not None:
            return again
        return _lodge(form, customer, now)
    return _lodge_page(form, customer, decisions, 422 if form.is_submitted() else 200)


def _decision_label(decision: for_customer.OpenDecision) -> str:
    """A decision as the CEM reads it to a customer on the phone (§9.2)."""
    words = {
        "decided": "; ".join(decision.decided),
        "ref": decision.letter_reference or _l("no letter reference"),
        "sent": long_date(decision.sent_on) if decision.sent_on else _l("date not known"),
        "deadline": long_date(decision.deadline),
    }
    if decision.late:
        return str(
            _l(
                "%(decided)s: letter %(ref)s sent %(sent)s. Late: the last day to appeal was "
                "%(deadline)s, so the customer's reason for the delay is needed.",
                **words,
            )
        )
    return str(
        _l(
            "%(decided)s: letter %(ref)s sent %(sent)s. The last day to appeal is %(deadline)s.",
            **words,
        )
    )


def _offer_decisions(form: AssistedForm, customer: Customer) -> list:
    """Offer every decision of the customer's not yet appealed, late ones marked; with only
    one, it is chosen."""
    decisions = for_customer.decisions_open_to_appeal(customer.id, utcnow())
    form.decision.choices = [(str(d.restriction_id), _decision_label(d)) for d in decisions]
    if form.decision.data in (None, "", "None") and len(decisions) == 1:
        form.decision.data = str(decisions[0].restriction_id)
    return decisions


def _lodge_page(form: AssistedForm, customer: Customer, decisions: list, status: int):
    return render_template(
        "staff/appeals/lodge.html",
        form=form,
        customer=customer,
        decisions=decisions,
        sent_on=decisions[0].sent_on if len(decisions) == 1 else None,
    ), status


# The services' reasons an appeal cannot be lodged, said above the form.
NOT_A_FIELD = {"appealed": "", "final": "", "restriction": ""}


def _lodge(form: AssistedForm, customer: Customer, now):
    """Lodge the appeal the customer gave by phone, letter, email or in person."""
    received_at = lodging.received_at_for(now, form.received_on.data, form.received_time.data)

    def lodge():
        appeal = for_customer.lodge_for_customer(
            actor(),
            now,
            customer,
            form.decision.data,
            lodging.Answers(
                grounds=form.grounds.data,
                new_information=form.new_information.data or "",
                needs_interpreter=bool((form.interpreter_language.data or "").strip()),
                interpreter_language=form.interpreter_language.data or "",
                representative=form.representative.data or "",
                late_reason=(form.late_reason.data or "").strip() or None,
            ),
            secrets.token_hex(16),
            channel=AppealChannel(form.channel.data),
            received_at=received_at,
            helped_by=form.helped_by.data or "",
        )
        once.made(form, appeal, _case_url(appeal))
        return appeal

    def refused(exc: ServiceError):
        form.apply_errors(exc, aliases=NOT_A_FIELD)
        return _lodge_page(form, customer, _offer_decisions(form, customer), 422)

    def lodged_already(exc: Conflict):
        chosen = for_customer.chosen_decision(customer, form.decision.data)
        sent = lodging.appeal_against_decision(chosen) if chosen is not None else None
        if sent is None:
            return refused(exc)
        decisions = _offer_decisions(form, customer)
        if not decisions:
            return _lodged_conflict(exc, sent, form)
        # Other decisions are still open: say so beside the choice, keeping what was typed.
        form.decision.errors = [
            str(
                _l(
                    "The customer has already appealed against this decision (appeal "
                    "%(ref)s). Choose another decision.",
                    ref=sent.reference,
                )
            )
        ]
        return _lodge_page(form, customer, decisions, 422)

    return perform(
        lodge,
        then=_case_url,
        done=lambda appeal: _l("Appeal %(ref)s lodged for the customer.", ref=appeal.reference),
        on_error=refused,
        on_conflict=lodged_already,
    )


def _case_url(appeal: Appeal) -> str:
    return url_for("staff.appeal_case", appeal_id=appeal.id)


def _lodged_conflict(exc: Conflict, sent: Appeal, form):
    return conflict_page(
        exc,
        heading=str(_l("The customer's appeal has already been lodged")),
        back_url=_case_url(sent),
        back_label=str(_l("Go to appeal %(ref)s", ref=sent.reference)),
        form=form,
    )
