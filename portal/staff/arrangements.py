"""Informal arrangements (§8.15): the Panel drafts with a live letter preview, then approves;
staff record the customer's answer given by phone, letter or in person."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import idempotency as once
from portal.arrangements import services
from portal.arrangements.forms import AnswerForm, ArrangementForm, EndForm
from portal.arrangements.models import Arrangement, ResponseChannel, TermKind
from portal.auth import permissions
from portal.customers.models import Customer
from portal.errors import Conflict, Problem, ServiceError
from portal.htmx import is_htmx
from portal.letters import delivery as deliveries
from portal.letters import render as letter_render
from portal.letters.delivery import Delivery
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, conflict_page, perform, preview
from portal.timeutil import london_date, utcnow


def _terms(form: ArrangementForm) -> list[services.TermInput]:
    terms = []
    for value in form.kinds.data or []:
        kind = TermKind(value)
        weekday_field = getattr(form, f"{value}_weekday", None)
        weekday = weekday_field.data if weekday_field is not None else None
        terms.append(
            services.TermInput(
                kind=kind,
                name=(getattr(form, f"{value}_name").data or "")
                if hasattr(form, f"{value}_name")
                else "",
                weekday=int(weekday) if weekday not in (None, "", "None") else None,
                starts_at=form.call_time_starts_at.data if kind == TermKind.CALL_TIME else None,
                ends_at=form.call_time_ends_at.data if kind == TermKind.CALL_TIME else None,
                amount=(
                    getattr(form, f"{value}_amount").data
                    if hasattr(form, f"{value}_amount")
                    else None
                ),
            )
        )
    return terms


def _draft_letter(customer, form: ArrangementForm, today) -> str:
    """The letter the arrangement would send, built but not saved."""
    draft = services.build(customer, form.summary.data, _terms(form), form.review_on.data, today)
    _subject, html = letter_render.arrangement(arrangement=draft, issued_on=today)
    return html


def _arrangement_page(form: ArrangementForm, customer, html, errors, previewing: bool):
    """The arrangement form with its letter preview, or (htmx) the preview alone."""
    template = "staff/arrangements/_preview.html" if is_htmx() else "staff/arrangements/new.html"
    status = 200 if (not form.is_submitted() or previewing) and not form.errors else 422
    if is_htmx():
        status = 200
    return (
        render_template(
            template,
            form=form if not is_htmx() else None,
            arrangement_form=form,
            customer=customer,
            only_by_hand="" if is_htmx() else deliveries.only_by_hand_notice(customer),
            preview_html=html,
            preview_errors=errors,
        ),
        status,
        {"Vary": "HX-Request"},
    )


@bp.route("/customers/<int:customer_id>/arrangements/new", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def new_arrangement(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = ArrangementForm()
    html, errors = None, None
    previewing = request.form.get("action") == "preview" or is_htmx()
    if form.is_submitted() and form.validate():
        if previewing:
            html, errors = preview(lambda: _draft_letter(customer, form, london_date(utcnow())))
            if errors:
                form.apply_errors(ServiceError(errors))
            errors = errors or None
        else:
            record_url = url_for("staff.customer", customer_id=customer.id)
            again = once.claim(form, "arrangement", actor(), utcnow(), record_url)
            if again is not None:
                return again

            def _approve():
                arrangement = services.approve(
                    actor(),
                    utcnow(),
                    customer,
                    form.summary.data,
                    _terms(form),
                    form.review_on.data,
                    Delivery(form.delivery.data) if form.delivery.data else None,
                )
                once.made(form, arrangement, record_url)

            def _refused(exc: ServiceError):
                form.apply_errors(exc)
                return _arrangement_page(form, customer, None, exc.errors, previewing)

            return perform(
                _approve,
                then=record_url,
                done=_l("Arrangement approved and the letter issued to the customer."),
                on_error=_refused,
            )
    elif previewing and form.is_submitted():
        incomplete = _l("Complete the form to see the letter")
        errors = {"": Problem("letter.preview_incomplete", incomplete)}
    return _arrangement_page(form, customer, html, errors, previewing)


@bp.route("/arrangements/<int:arrangement_id>/answer", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def record_arrangement_answer(arrangement_id: int):
    arrangement = get_or_404(Arrangement, arrangement_id)
    form = AnswerForm()
    if form.validate_on_submit():
        return perform(
            lambda: services.record_answer(
                actor(),
                utcnow(),
                arrangement,
                form.answer.data,
                ResponseChannel(form.channel.data),
                form.note.data or "",
            ),
            then=url_for("staff.customer", customer_id=arrangement.customer_id),
            done=_l("The customer's answer is recorded."),
            on_error=beside_fields(form, lambda: _answer_page(form, arrangement)),
            on_conflict=lambda exc: _answered_conflict(exc, arrangement, form),
        )
    return _answer_page(form, arrangement)


def _answer_page(form: AnswerForm, arrangement: Arrangement):
    return render_template("staff/arrangements/answer.html", form=form, arrangement=arrangement), (
        422 if form.is_submitted() else 200
    )


@bp.route("/arrangements/<int:arrangement_id>/end", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def end_arrangement(arrangement_id: int):
    arrangement = get_or_404(Arrangement, arrangement_id)
    form = EndForm()
    if form.validate_on_submit():
        return perform(
            lambda: services.end(actor(), utcnow(), arrangement, form.reason.data),
            then=url_for("staff.customer", customer_id=arrangement.customer_id),
            done=_l("Arrangement ended."),
            on_error=beside_fields(form, lambda: _end_page(form, arrangement)),
            on_conflict=lambda exc: _answered_conflict(exc, arrangement, form),
        )
    return _end_page(form, arrangement)


def _end_page(form: EndForm, arrangement: Arrangement):
    return render_template("staff/arrangements/end.html", form=form, arrangement=arrangement), (
        422 if form.is_submitted() else 200
    )


def _answered_conflict(exc: Conflict, arrangement: Arrangement, form):
    """The 409 page when someone else answered or ended the arrangement first."""
    return conflict_page(
        exc,
        heading=str(_l("Someone has already dealt with this arrangement")),
        back_url=url_for("staff.customer", customer_id=arrangement.customer_id),
        back_label=str(_l("Go to the customer's record")),
        form=form,
    )
