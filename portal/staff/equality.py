"""Equality monitoring (§11.1, §12.1): record a customer's answers, with their consent, and
compare how each group fares in the conduct process. The Customer Experience Manager and
administrators only; every read is audited."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField

from portal.auth import permissions
from portal.customers.models import Customer
from portal.equality import queries, services
from portal.equality.models import CHARACTERISTICS, FIELDS, ConsentMethod, answers
from portal.forms import BaseForm, PlainDateField
from portal.staff import bp
from portal.staff.guard import MAX_ID, actor, get_or_404, staff_required
from portal.steps import perform, record
from portal.timeutil import london_date, utcnow


class _Radios(RadioField):
    """Radios that may be left unanswered; an answer not in the list, or two, is refused."""

    def process_formdata(self, valuelist):
        if len(valuelist) > 1:
            self.data = None
            raise ValueError(str(_l("Select one answer")))
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.data not in (None, ""):
            super().pre_validate(form)


class EqualityForm(BaseForm):
    version = HiddenField()
    consent_given = _Radios(
        _l("Did the customer agree to answer these questions?"),
        choices=[("yes", _l("Yes, they agreed")), ("no", _l("No, they declined"))],
    )
    consent_on = PlainDateField(
        _l("Date they agreed or declined"),
        message=_l("Enter a real date, like 2026-12-05"),
    )
    consent_method = _Radios(_l("How they told us"), choices=ConsentMethod.choices())


for _name in FIELDS:
    setattr(
        EqualityForm,
        _name,
        # "Not answered" lets a choice made by mistake be taken back.
        _Radios(
            CHARACTERISTICS[_name][0],
            choices=[*answers(_name), ("", _l("Not answered"))],
        ),
    )


def _version(sent) -> int | None:
    text = (sent or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _current(found) -> dict:
    if found is None:
        return dict.fromkeys(FIELDS, "")  # "Not answered" chosen until an answer is
    return {
        "version": str(found.version),
        "consent_given": "yes" if found.consent_given else "no",
        "consent_on": found.consent_on,
        "consent_method": found.consent_method.value,
        **{name: getattr(found, name) or "" for name in FIELDS},
    }


def _answers(form: EqualityForm) -> services.EqualityAnswers:
    consent = {"yes": True, "no": False}.get(form.consent_given.data)
    return services.EqualityAnswers(
        consent_given=consent,
        consent_on=form.consent_on.data,
        consent_method=form.consent_method.data,
        values={name: getattr(form, name).data for name in FIELDS},
    )


@bp.route("/customers/<int:customer_id>/equality", methods=["GET", "POST"])
@staff_required(permissions.can_view_equality)
def customer_equality(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    if request.method != "POST":
        found = record(lambda: services.record_for(actor(), utcnow(), customer))
        form = EqualityForm(data=_current(found))
        if found is None:
            form.consent_on.data = london_date(utcnow())
        return _page(customer, form, found, 200)
    form = EqualityForm()
    if not form.validate_on_submit():
        return _page(customer, form, None, 422)
    return perform(
        lambda: services.save(
            actor(), utcnow(), customer, _version(form.version.data), _answers(form)
        ),
        then=url_for("staff.customer", customer_id=customer.id),
        done=lambda saved: (
            _l("Equality monitoring answers saved.")
            if saved.consent_given
            else _l("The customer declined: only that was recorded, and no answers were kept.")
        ),
        on_error=lambda exc: _refused(customer, form, exc),
        on_conflict=lambda exc: _changed(customer, exc),
    )


def _refused(customer: Customer, form: EqualityForm, exc):
    form.apply_errors(exc)
    return _page(customer, form, None, 422)


def _changed(customer: Customer, exc):
    found = record(lambda: services.record_for(actor(), utcnow(), customer, " again"))
    form = EqualityForm(formdata=None, data=_current(found))
    form.form_errors.append(next(iter(exc.errors.values())))
    return _page(customer, form, found, 409)


def _page(customer: Customer, form: EqualityForm, found, status: int):
    page = render_template(
        "staff/equality/record.html",
        customer=customer,
        form=form,
        found=found,
        fields=FIELDS,
    )
    return page, status


@bp.route("/equality")
@staff_required(permissions.can_view_equality)
def equality_monitoring():
    period = request.args.get("period", "all")
    problem = None
    if period not in queries.PERIODS:
        problem = _l("Choose a period from the list")
        period = "all"
    tables = record(lambda: services.monitoring(actor(), utcnow(), period))
    page = render_template(
        "staff/equality/monitoring.html",
        tables=tables,
        columns=queries.COLUMNS,
        periods=queries.PERIODS,
        period=period,
        problem=problem,
        page_errors=[("period", str(problem))] if problem else [],
    )
    return page, 422 if problem else 200
