"""The customer's appeal (§9.1–9.2): one question per page, kept as a draft, checked, sent."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal import db
from portal.appeals import evidence as evidence_files
from portal.appeals import progress as appeal_progress
from portal.appeals import rules
from portal.appeals import services as appeals
from portal.appeals.models import FORMATS, Appeal, AppealStatus
from portal.appeals.queries import appeal_decisions
from portal.customer import bp, customer_required, signed_in_customer
from portal.errors import Conflict, ServiceError
from portal.forms import BaseForm
from portal.restrictions.models import Restriction
from portal.timeutil import london_date, utcnow

LONG_TEXT = 5000


class ReasonsForm(BaseForm):
    grounds = TextAreaField(
        _l("Why should we change our decision?"),
        validators=[
            InputRequired(_l("Tell us why the decision should be changed")),
            Length(max=LONG_TEXT, message=_l("Keep this to 5000 characters or send a file")),
        ],
    )


class NewInformationForm(BaseForm):
    new_information = TextAreaField(
        _l("Is there anything we did not know when we made the decision?"),
        validators=[
            Optional(),
            Length(max=LONG_TEXT, message=_l("Keep this to 5000 characters or send a file")),
        ],
    )


class EvidenceForm(BaseForm):
    evidence = FileField(_l("Send a file"))


class SupportForm(BaseForm):
    needs_interpreter = RadioField(
        _l("Do you need an interpreter?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(_l("Say whether you need an interpreter"))],
    )
    interpreter_language = StringField(
        _l("Which language?"), validators=[Optional(), Length(max=80)]
    )
    preferred_format = RadioField(
        _l("How would you like our letters?"),
        choices=list(FORMATS.items()),
        default="",
        validators=[Optional()],
    )
    representative = StringField(
        _l("Someone who represents you (name and how to contact them)"),
        validators=[Optional(), Length(max=200)],
    )
    other_support = TextAreaField(
        _l("Any other help you need"), validators=[Optional(), Length(max=2000)]
    )


class LateForm(BaseForm):
    late_reason = TextAreaField(
        _l("Why is your appeal late?"),
        validators=[
            InputRequired(_l("Tell us why the appeal is late")),
            Length(max=LONG_TEXT, message=_l("Keep this to 5000 characters")),
        ],
    )


class SendForm(BaseForm):
    submission_key = HiddenField()


# Where the appeal has got to, said to the customer (the staff titles are for staff).
CUSTOMER_STATUS = {
    AppealStatus.LODGED: _l("We have received your appeal"),
    AppealStatus.ACKNOWLEDGED: _l("We have received your appeal and written to you about it"),
    AppealStatus.WITH_GLT: _l("Our Group Leadership Team is looking at your appeal"),
    AppealStatus.DECIDED: _l("Your appeal has been decided: we are writing to you"),
    AppealStatus.CLOSED: _l("Your appeal has been decided"),
    AppealStatus.NOT_ACCEPTED: _l("We did not accept your late appeal"),
}


CUSTOMER_MESSAGES = {
    "grounds": _l("Tell us why the decision should be changed"),
    "interpreter_language": _l("Tell us which language the interpreter should speak"),
    "late_reason": _l("Tell us why your appeal is late"),
    "preferred_format": _l("Choose a format from the list"),
}

# Why an appeal cannot be started or sent, said to the customer (keys from the services).
REFUSALS = {
    "appealed": _l("You have already appealed against this decision."),
    "final": _l(
        "Your appeal against this decision has been dealt with, and there is no further appeal."
    ),
    "restriction": _l("This decision is no longer in force, so there is nothing to appeal."),
}


def _refusal(exc: ServiceError) -> str:
    key = next((k for k in REFUSALS if k in exc.errors), None)
    return str(REFUSALS[key]) if key else str(_l("You have already sent this appeal."))


def _apply(form, exc: ServiceError) -> None:
    for name in exc.errors:
        field = getattr(form, name, None)
        if field is not None and name in CUSTOMER_MESSAGES:
            field.errors = [str(CUSTOMER_MESSAGES[name])]
        elif name == "evidence":
            form.evidence.errors = [_evidence_message(exc.errors[name])]
        else:
            form.form_errors.append(_refusal(exc))


def _evidence_message(message: str) -> str:
    if "must be one of" in message:
        return str(_l("Send a PDF, photo (JPG or PNG), Word document, text, email or audio file"))
    if "smaller than" in message:
        return str(_l("The file must be smaller than 10 MB"))
    if "empty" in message:
        return str(_l("The file you chose is empty"))
    if "do not match" in message:
        return str(_l("The file's contents do not match its type"))
    if "up to" in message:
        return str(_l("You can send up to 10 files"))
    if "file storage" in message:  # uploads.StorageFailed: nothing of the file was kept
        return str(_l("We could not save your file. The problem is ours: send it again later."))
    return str(_l("Choose a file to send"))


def _my_appeal(appeal_id: int) -> Appeal:
    if appeal_id > 2**31 - 1:
        abort(404)
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal.customer_id != signed_in_customer().customer_id:
        abort(404)
    return appeal


def _draft_or_progress(appeal_id: int):
    appeal = _my_appeal(appeal_id)
    if appeal.status != AppealStatus.DRAFT:
        return appeal, redirect(url_for("customer.appeal", appeal_id=appeal.id), 303)
    return appeal, None


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
    return render_template(
        "customer/appeals/index.html",
        appeals=sent,
        decisions=appeal_decisions(customer_id, utcnow()),
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
    try:
        draft = appeals.start_draft(utcnow(), restriction)
    except ServiceError as exc:
        db.session.rollback()
        flash(_refusal(exc), "error")
        return redirect(url_for("customer.appeals_index"), 303)
    db.session.commit()
    return redirect(url_for("customer.appeal_reasons", appeal_id=draft.id), 303)


def _save(appeal: Appeal, form, answers: appeals.Answers, next_endpoint: str, template: str):
    try:
        appeals.save_answers(utcnow(), appeal, answers)
    except ServiceError as exc:
        db.session.rollback()
        _apply(form, exc)
        return render_template(template, appeal=appeal, form=form), 422
    db.session.commit()
    target = request.args.get("then")
    if target == "check":
        return redirect(url_for("customer.appeal_check", appeal_id=appeal.id), 303)
    return redirect(url_for(next_endpoint, appeal_id=appeal.id), 303)


@bp.route("/appeals/<int:appeal_id>/reasons", methods=["GET", "POST"])
@customer_required
def appeal_reasons(appeal_id: int):
    appeal, sent = _draft_or_progress(appeal_id)
    if sent:
        return sent
    form = ReasonsForm(data={"grounds": appeal.grounds} if request.method == "GET" else None)
    template = "customer/appeals/reasons.html"
    if form.validate_on_submit():
        return _save(
            appeal,
            form,
            appeals.Answers(grounds=form.grounds.data),
            "customer.appeal_new_information",
            template,
        )
    status = 422 if form.is_submitted() else 200
    return render_template(template, appeal=appeal, form=form), status


@bp.route("/appeals/<int:appeal_id>/new-information", methods=["GET", "POST"])
@customer_required
def appeal_new_information(appeal_id: int):
    appeal, sent = _draft_or_progress(appeal_id)
    if sent:
        return sent
    form = NewInformationForm(
        data={"new_information": appeal.new_information} if request.method == "GET" else None
    )
    template = "customer/appeals/new_information.html"
    if form.validate_on_submit():
        return _save(
            appeal,
            form,
            appeals.Answers(new_information=form.new_information.data or ""),
            "customer.appeal_support",
            template,
        )
    status = 422 if form.is_submitted() else 200
    return render_template(
        template, appeal=appeal, form=form, evidence_form=EvidenceForm(prefix="file")
    ), status


@bp.route("/appeals/<int:appeal_id>/evidence", methods=["POST"])
@customer_required
def appeal_evidence(appeal_id: int):
    appeal, sent = _draft_or_progress(appeal_id)
    if sent:
        return sent
    evidence_form = EvidenceForm(prefix="file")
    upload = request.files.get("file-evidence")
    try:
        if not evidence_form.validate_on_submit() or upload is None or not upload.filename:
            raise ServiceError({"evidence": "Choose a file to upload"})
        evidence_files.add_evidence(
            signed_in_customer(),
            utcnow(),
            appeal,
            upload.filename,
            upload.read(current_app.config["MAX_ATTACHMENT_BYTES"] + 1),
            current_app.config["UPLOAD_DIR"] / "appeals",
            current_app.config["MAX_ATTACHMENT_BYTES"],
        )
    except ServiceError as exc:
        db.session.rollback()
        evidence_form.evidence.errors = [_evidence_message(exc.errors.get("evidence", ""))]
        form = NewInformationForm(data={"new_information": appeal.new_information})
        return render_template(
            "customer/appeals/new_information.html",
            appeal=appeal,
            form=form,
            evidence_form=evidence_form,
        ), 422
    db.session.commit()
    flash(_l("Your file has been added."), "success")
    return redirect(url_for("customer.appeal_new_information", appeal_id=appeal.id), 303)


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
    appeal, sent = _draft_or_progress(appeal_id)
    if sent:
        return sent
    item = _my_file(appeal, evidence_id)
    name = item.original_name
    stored = evidence_files.remove_evidence(signed_in_customer(), utcnow(), appeal, item)
    db.session.commit()
    (current_app.config["UPLOAD_DIR"] / "appeals" / stored).unlink(missing_ok=True)
    flash(_l("You removed %(name)s.", name=name), "success")
    target = {"appeal_id": appeal.id}
    if request.args.get("then") == "check":
        target["then"] = "check"
    return redirect(url_for("customer.appeal_new_information", **target), 303)


@bp.route("/appeals/<int:appeal_id>/support", methods=["GET", "POST"])
@customer_required
def appeal_support(appeal_id: int):
    appeal, sent = _draft_or_progress(appeal_id)
    if sent:
        return sent
    data = None
    if request.method == "GET":
        # Only the customer's own answer: never a "no" they did not give.
        answered = {True: "yes", False: "no"}.get(appeal.needs_interpreter)
        data = {
            "needs_interpreter": answered,
            "interpreter_language": appeal.interpreter_language,
            "preferred_format": appeal.preferred_format,
            "representative": appeal.representative,
            "other_support": appeal.other_support,
        }
    form = SupportForm(data=data)
    template = "customer/appeals/support.html"
    if form.validate_on_submit():
        next_endpoint = "customer.appeal_late" if _late_now(appeal) else "customer.appeal_check"
        return _save(
            appeal,
            form,
            appeals.Answers(
                needs_interpreter=form.needs_interpreter.data == "yes",
                interpreter_language=form.interpreter_language.data or "",
                preferred_format=form.preferred_format.data or "",
                representative=form.representative.data or "",
                other_support=form.other_support.data or "",
            ),
            next_endpoint,
            template,
        )
    status = 422 if form.is_submitted() else 200
    return render_template(template, appeal=appeal, form=form), status


@bp.route("/appeals/<int:appeal_id>/late", methods=["GET", "POST"])
@customer_required
def appeal_late(appeal_id: int):
    appeal, sent = _draft_or_progress(appeal_id)
    if sent:
        return sent
    form = LateForm(data={"late_reason": appeal.late_reason} if request.method == "GET" else None)
    template = "customer/appeals/late.html"
    if form.validate_on_submit():
        return _save(
            appeal,
            form,
            appeals.Answers(late_reason=form.late_reason.data),
            "customer.appeal_check",
            template,
        )
    status = 422 if form.is_submitted() else 200
    return render_template(template, appeal=appeal, form=form), status


@bp.route("/appeals/<int:appeal_id>/check", methods=["GET", "POST"])
@customer_required
def appeal_check(appeal_id: int):
    appeal = _my_appeal(appeal_id)
    form = SendForm()
    if request.method == "POST" and form.validate_on_submit():
        key = (form.submission_key.data or "")[:64]
        if appeal.status != AppealStatus.DRAFT and key and appeal.submission_key == key:
            # The same form sent twice: the appeal was lodged the first time.
            return redirect(url_for("customer.appeal", appeal_id=appeal.id), 303)
        if not key:
            key = secrets.token_hex(16)
        try:
            if appeal.status != AppealStatus.DRAFT:
                # Sent from another tab (another key) first: tell them, don't send it again.
                raise Conflict(appeal.status.title, at=appeal.received_at)
            appeals.lodge(signed_in_customer(), utcnow(), appeal, key)
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(_refusal(exc))
            return _check_page(appeal, form, 409)
        except ServiceError as exc:
            db.session.rollback()
            missing = set(exc.errors)
            if "grounds" in missing:
                flash(_l("Tell us why the decision should be changed."), "error")
                return redirect(url_for("customer.appeal_reasons", appeal_id=appeal.id), 303)
            if "late_reason" in missing:
                flash(_l("Your appeal is late: tell us why."), "error")
                return redirect(url_for("customer.appeal_late", appeal_id=appeal.id), 303)
            form.form_errors.append(_refusal(exc))
        else:
            db.session.commit()
            return redirect(url_for("customer.appeal", appeal_id=appeal.id, sent=1), 303)
    elif appeal.status != AppealStatus.DRAFT:
        return redirect(url_for("customer.appeal", appeal_id=appeal.id), 303)
    return _check_page(appeal, form, 422 if form.is_submitted() else 200)


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
    if appeal.status == AppealStatus.DRAFT:
        return redirect(url_for("customer.appeal_check", appeal_id=appeal.id), 303)
    steps = appeal_progress.for_appeal(appeal, london_date(utcnow()))
    return render_template(
        "customer/appeals/progress.html",
        appeal=appeal,
        steps=steps,
        status=CUSTOMER_STATUS[appeal.status],
        waiting_on_late=appeal.late and appeal.late_accepted is None,
        just_sent=request.args.get("sent") == "1",
    )
