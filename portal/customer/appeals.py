"""The customer's appeal (§9.1–9.2): one question per page, kept as a draft, checked, sent."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from portal import db, deadlines
from portal.appeals import evidence as evidence_files
from portal.appeals import lodging, rules
from portal.appeals import progress as appeal_progress
from portal.appeals.models import FORMATS, Appeal, AppealStatus
from portal.appeals.queries import appeal_decisions
from portal.customer import bp, customer_required, signed_in_customer
from portal.customer.appeal_drafts import draft_or_progress, kept_question
from portal.customer.appeal_forms import (
    SUPPORT_QUESTIONS,
    AnswerForm,
    LateForm,
    NewInformationForm,
    ReasonsForm,
    SendForm,
    place_errors,
    refusal,
    said_to_customer,
)
from portal.errors import Conflict, ServiceError
from portal.restrictions.models import Restriction
from portal.steps import perform
from portal.timeutil import london_date, utcnow

# Where the appeal has got to, said to the customer (the staff titles are for staff).
CUSTOMER_STATUS = {
    AppealStatus.LODGED: _l("We have received your appeal"),
    AppealStatus.ACKNOWLEDGED: _l("We have received your appeal and written to you about it"),
    AppealStatus.WITH_GLT: _l("Our Group Leadership Team is looking at your appeal"),
    AppealStatus.DECIDED: _l("Your appeal has been decided: we are writing to you"),
    AppealStatus.CLOSED: _l("Your appeal has been decided"),
    AppealStatus.NOT_ACCEPTED: _l("We did not accept your late appeal"),
}


def _my_appeal(appeal_id: int) -> Appeal:
    if appeal_id > 2**31 - 1:
        abort(404)
    # The files sent with the appeal are read only by the pages that show them.
    appeal = db.session.get(
        Appeal, appeal_id, options=[joinedload(Appeal.restriction), lazyload(Appeal.evidence)]
    )
    if appeal is None or appeal.customer_id != signed_in_customer().customer_id:
        abort(404)
    return appeal


def _closed(draft: Appeal) -> bool:
    """A draft left unsent because its decision was appealed another way (by phone, say):
    the appeals page tells the customer how and when."""
    return lodging.appeal_against_decision(draft.restriction) is not None


def _late_now(appeal: Appeal) -> bool:
    return rules.is_late(utcnow(), appeal.deadline)


@bp.route("/appeals")
@customer_required
def appeals_index():
    customer_id = signed_in_customer().customer_id
    sent = list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.customer_id == customer_id, Appeal.status != AppealStatus.DRAFT)
            .order_by(Appeal.received_at.desc(), Appeal.id.desc())
        )
    )
    decisions = appeal_decisions(customer_id, utcnow())
    return render_template(
        "customer/appeals/index.html",
        appeals=sent,
        decisions=decisions,
        # A last day to appeal that a closure day moved says so (spec §7).
        moves=deadlines.moved_dates(*(d.restriction for d in decisions)),
        statuses=CUSTOMER_STATUS,
    )


@bp.route("/appeals/start/<int:restriction_id>", methods=["POST"])
@customer_required
def start_appeal(restriction_id: int):
    if restriction_id > 2**31 - 1:
        abort(404)
    restriction = db.session.get(Restriction, restriction_id)
    if restriction is None or restriction.customer_id != signed_in_customer().customer_id:
        abort(404)

    def refused(exc: ServiceError):
        flash(refusal(exc), "error")
        return redirect(url_for("customer.appeals_index"), 303)

    return perform(
        lambda: lodging.start_draft(utcnow(), restriction),
        then=lambda draft: url_for("customer.appeal_reasons", appeal_id=draft.id),
        on_error=refused,
    )


def _ask(appeal_id: int, form_class: type[AnswerForm], template: str, next_page, **extra):
    """One question of the draft appeal: show it with the answer kept so far, or keep the new
    answer and go on to ``next_page`` (an endpoint, or a function of the appeal), or back to
    the check page when the customer came from there to change it."""
    if request.method == "GET":
        return kept_question(appeal_id, form_class, template, **extra)
    appeal, sent = draft_or_progress(appeal_id)
    if sent:
        return sent
    form = form_class()

    def page(status: int):
        return render_template(template, appeal=appeal, form=form, **extra), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)

    def refused(exc: ServiceError):
        place_errors(form, exc)
        return page(422)

    if request.args.get("then") == "check":
        next_page = "customer.appeal_check"
    elif callable(next_page):
        next_page = next_page(appeal)
    # An endpoint, or (endpoint, more of its address).
    endpoint, more = (next_page, {}) if isinstance(next_page, str) else next_page
    return perform(
        lambda: lodging.save_answers(utcnow(), appeal, form.answers()),
        then=url_for(endpoint, appeal_id=appeal.id, **more),
        on_error=refused,
    )


@bp.route("/appeals/<int:appeal_id>/reasons", methods=["GET", "POST"])
@customer_required
def appeal_reasons(appeal_id: int):
    template = "customer/appeals/reasons.html"
    return _ask(appeal_id, ReasonsForm, template, "customer.appeal_new_information")


@bp.route("/appeals/<int:appeal_id>/new-information", methods=["GET", "POST"])
@customer_required
def appeal_new_information(appeal_id: int):
    """The text and the files on one form: adding or removing a file keeps what was typed."""
    if request.method == "POST":
        return _new_information_sent(appeal_id, request.form.get("action", "continue"))
    appeal, sent = draft_or_progress(appeal_id)
    if sent:
        return sent
    form = NewInformationForm(data=NewInformationForm.kept(appeal))
    return render_template("customer/appeals/new_information.html", appeal=appeal, form=form)


@bp.route("/appeals/<int:appeal_id>/evidence", methods=["POST"])
@customer_required
def appeal_evidence(appeal_id: int):
    return _new_information_sent(appeal_id, "add")


def _new_information_sent(appeal_id: int, action: str):
    """Keep the text (when sent), add the file chosen, remove the file asked, then go on, or
    come back to this page to add another file."""
    appeal, sent = draft_or_progress(appeal_id)
    if sent:
        return sent
    form = NewInformationForm()
    if form.file_chosen() is None and request.files.get("file-evidence"):
        form.evidence.data = request.files["file-evidence"]  # the page before one form
    removing = _removing(appeal)
    target = {"appeal_id": appeal.id}
    if request.args.get("then") == "check":
        target["then"] = "check"

    def page():
        form.ask_for_file_again()
        return render_template(
            "customer/appeals/new_information.html", appeal=appeal, form=form
        ), 422

    if not form.validate_on_submit():
        return page()
    upload = form.file_chosen()
    if action == "add" and upload is None and removing is None:
        form.evidence.errors = [str(_l("Choose a file to send"))]
        return page()
    removed: list[str] = []

    def keep():
        if "new_information" in request.form:
            lodging.save_answers(utcnow(), appeal, form.answers())
        if removing is not None:
            removed.append(
                evidence_files.remove_evidence(signed_in_customer(), utcnow(), appeal, removing)
            )
        if upload is not None:
            evidence_files.add_evidence(
                signed_in_customer(),
                utcnow(),
                appeal,
                upload.filename,
                upload.read(current_app.config["MAX_ATTACHMENT_BYTES"] + 1),
                current_app.config["UPLOAD_DIR"] / "appeals",
                current_app.config["MAX_ATTACHMENT_BYTES"],
            )

    def refused(exc: ServiceError):
        removed.clear()  # rolled back: the file stays
        place_errors(form, exc)
        return page()

    if removing is not None or action == "add":
        then = url_for("customer.appeal_new_information", **target)
    elif target.get("then"):
        then = url_for("customer.appeal_check", appeal_id=appeal.id)
    else:
        then = url_for("customer.appeal_support", appeal_id=appeal.id)
    done = None
    if removing is not None:
        done = _l("You removed %(name)s.", name=removing.original_name)
    elif upload is not None:
        done = _l("Your file has been added.")
    response = perform(keep, then=then, done=done, on_error=refused)
    # The stored file goes only once its removal is committed.
    for stored in removed:
        (current_app.config["UPLOAD_DIR"] / "appeals" / stored).unlink(missing_ok=True)
    return response


def _removing(appeal: Appeal):
    """The file the customer asked to remove with a Remove button on the page, if any."""
    asked = request.form.get("remove", "")
    if not asked.isdigit() or int(asked) > 2**31 - 1:
        return None
    return _my_file(appeal, int(asked))


def _my_file(appeal: Appeal, evidence_id: int):
    item = evidence_files.evidence_of(appeal, evidence_id)
    if item is None:
        abort(404)
    return item


@bp.route("/appeals/<int:appeal_id>/evidence/<int:evidence_id>")
@customer_required
def appeal_evidence_file(appeal_id: int, evidence_id: int):
    item = _my_file(_my_appeal(appeal_id), evidence_id)
    path = current_app.config["UPLOAD_DIR"] / "appeals" / item.stored_name
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/appeals/<int:appeal_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@customer_required
def remove_appeal_evidence(appeal_id: int, evidence_id: int):
    appeal, sent = draft_or_progress(appeal_id)
    if sent:
        return sent
    item = _my_file(appeal, evidence_id)
    name = item.original_name
    removed: list[str] = []

    def remove():
        removed.append(evidence_files.remove_evidence(signed_in_customer(), utcnow(), appeal, item))

    target = {"appeal_id": appeal.id}
    if request.args.get("then") == "check":
        target["then"] = "check"
    then = url_for("customer.appeal_new_information", **target)

    def refused(exc: ServiceError):
        flash(refusal(exc), "error")
        return redirect(then, 303)

    response = perform(
        remove, then=then, done=_l("You removed %(name)s.", name=name), on_error=refused
    )
    # The stored file goes only once its removal is committed.
    for stored in removed:
        (current_app.config["UPLOAD_DIR"] / "appeals" / stored).unlink(missing_ok=True)
    return response


@bp.route(
    "/appeals/<int:appeal_id>/support",
    methods=["GET", "POST"],
    defaults={"question": "interpreter"},
)
@bp.route("/appeals/<int:appeal_id>/support/<question>", methods=["GET", "POST"])
@customer_required
def appeal_support(appeal_id: int, question: str):
    """The support the customer needs, one question a page (one endpoint, so the list of the
    appeal's steps shows "Support you need" as the step they are on)."""
    if question not in SUPPORT_QUESTIONS:
        abort(404)
    order = list(SUPPORT_QUESTIONS)
    at = order.index(question)

    def next_page(appeal: Appeal):
        if at + 1 < len(order):
            return "customer.appeal_support", {"question": order[at + 1]}
        return "customer.appeal_late" if _late_now(appeal) else "customer.appeal_check"

    back = ("customer.appeal_support", {"question": order[at - 1]}) if at else None
    return _ask(
        appeal_id,
        SUPPORT_QUESTIONS[question],
        "customer/appeals/support.html",
        next_page,
        question=question,
        number=at + 1,
        questions=len(order),
        back=back,
    )


@bp.route("/appeals/<int:appeal_id>/late", methods=["GET", "POST"])
@customer_required
def appeal_late(appeal_id: int):
    return _ask(appeal_id, LateForm, "customer/appeals/late.html", "customer.appeal_check")


@bp.route("/appeals/<int:appeal_id>/check", methods=["GET", "POST"])
@customer_required
def appeal_check(appeal_id: int):
    appeal = _my_appeal(appeal_id)
    form = SendForm()
    if request.method == "POST" and form.validate_on_submit():
        key = (form.submission_key.data or "")[:64]
        if not appeal.is_draft and key and appeal.submission_key == key:
            # The same form sent twice: the appeal was lodged the first time.
            return redirect(url_for("customer.appeal", appeal_id=appeal.id), 303)
        return _send(appeal, form, key or secrets.token_hex(16))
    if not appeal.is_draft:
        return redirect(url_for("customer.appeal", appeal_id=appeal.id), 303)
    if not form.is_submitted() and _closed(appeal):
        return redirect(url_for("customer.appeals_index"), 303)
    return _check_page(appeal, form, 422 if form.is_submitted() else 200)


def _send(appeal: Appeal, form: SendForm, key: str):
    """Lodge the appeal; send the customer back to any answer still missing."""

    def send():
        if not appeal.is_draft:
            # Sent from another tab (another key) first: tell them, don't send it again.
            raise Conflict(appeal.status.title, at=appeal.received_at)
        return lodging.lodge(signed_in_customer(), utcnow(), appeal, key)

    def sent_already(exc: Conflict):
        form.form_errors.append(refusal(exc))
        return _check_page(appeal, form, 409)

    def not_sent(exc: ServiceError):
        # Each missing answer in the error summary, linked to its row, and said beside it.
        form.missing = {
            name: said_to_customer(exc.errors[name])
            for name in ("grounds", "late_reason")
            if name in exc.errors
        }
        if not form.missing:
            form.form_errors.append(refusal(exc))
        return _check_page(appeal, form, 422)

    return perform(
        send,
        then=url_for("customer.appeal", appeal_id=appeal.id, sent=1),
        on_error=not_sent,
        on_conflict=sent_already,
    )


def _check_page(appeal: Appeal, form: SendForm, status: int):
    form.submission_key.data = secrets.token_hex(16)
    return render_template(
        "customer/appeals/check.html",
        appeal=appeal,
        form=form,
        late=_late_now(appeal),
        formats=FORMATS,
    ), status


@bp.route("/appeals/<int:appeal_id>")
@customer_required
def appeal(appeal_id: int):
    appeal = _my_appeal(appeal_id)
    if appeal.is_draft:
        return redirect(url_for("customer.appeal_check", appeal_id=appeal.id), 303)
    steps = appeal_progress.for_appeal(appeal, london_date(utcnow()))
    return render_template(
        "customer/appeals/progress.html",
        appeal=appeal,
        moves=deadlines.moved_dates(appeal),
        steps=steps,
        status=CUSTOMER_STATUS[appeal.status],
        just_sent=request.args.get("sent") == "1",
    )
