"""A customer's reasonable adjustments (§12.1, §4.5): recorded by any colleague who may edit
the customer, and shown at the top of the record and on every letter of theirs."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal import db
from portal.auth import permissions
from portal.customers import adjustments
from portal.customers.adjustments import CONTACT_WAYS, FORMATS, LIMITS, AdjustmentDetails
from portal.customers.models import Customer
from portal.forms import BaseForm, MultiCheckboxField
from portal.staff import bp
from portal.staff.guard import MAX_ID, actor, get_or_404, staff_required
from portal.steps import entered, perform
from portal.timeutil import utcnow


def _length(name: str):
    return [Optional(), Length(max=LIMITS[name])]


class _Way(RadioField):
    """No answer is "no preference"; an answer not in the list is refused by the service."""

    def pre_validate(self, form):
        pass


class AdjustmentsForm(BaseForm):
    formats = MultiCheckboxField(
        _l("Formats they need letters and documents in"),
        choices=list(FORMATS.items()),
        validators=[Optional()],
    )
    interpreter = BooleanField(_l("They need an interpreter"))
    interpreter_language = StringField(
        _l("Language the interpreter should speak"), validators=_length("interpreter_language")
    )
    wants_advocate = BooleanField(_l("They would like an advocate or representative to help them"))
    contact_way = _Way(
        _l("Preferred way of contact"), choices=list(CONTACT_WAYS.items()), default=""
    )
    contact_time = StringField(_l("Preferred time of contact"), validators=_length("contact_time"))
    other = TextAreaField(_l("Other adjustments"), validators=_length("other"))
    version = HiddenField()


def _current(row) -> dict:
    if row is None:
        return {"version": "0", "contact_way": ""}
    return {
        "formats": row.formats,
        "interpreter": row.interpreter,
        "interpreter_language": row.interpreter_language,
        "wants_advocate": row.wants_advocate,
        "contact_way": row.contact_way,
        "contact_time": row.contact_time,
        "other": row.other,
        "version": str(row.version),
    }


def _version(sent) -> int | None:
    """The version the form was made from (0: none recorded then), or None if not one."""
    text = (sent or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 <= number <= MAX_ID else None


def _details(form: AdjustmentsForm) -> AdjustmentDetails:
    return AdjustmentDetails(
        formats=list(form.formats.data or []),
        interpreter=bool(form.interpreter.data),
        interpreter_language=form.interpreter_language.data or "",
        wants_advocate=bool(form.wants_advocate.data),
        contact_way=form.contact_way.data or "",
        contact_time=form.contact_time.data or "",
        other=form.other.data or "",
    )


@bp.app_template_global("customer_adjustments")
def customer_adjustments(customer_id) -> adjustments.CustomerAdjustments | None:
    """For the record and letter pages: the customer's adjustments, or None."""
    return adjustments.for_customer(customer_id)


@bp.app_template_filter("adjustment_format")
def adjustment_format(name: str) -> str:
    return str(FORMATS.get(name, name))


@bp.app_template_filter("adjustment_contact_way")
def adjustment_contact_way(name: str) -> str:
    return str(CONTACT_WAYS.get(name, name))


@bp.route("/customers/<int:customer_id>/adjustments", methods=["GET", "POST"])
@staff_required(permissions.can_edit_customer)
def customer_adjustments_page(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    row = adjustments.for_customer(customer.id)
    form = AdjustmentsForm(data=_current(row))
    if not form.validate_on_submit():
        return _page(customer, form, 422 if form.is_submitted() else 200)
    record_url = url_for("staff.customer", customer_id=customer.id)
    return perform(
        lambda: adjustments.set_adjustments(
            actor(), utcnow(), customer, _version(form.version.data), _details(form)
        ),
        then=f"{record_url}#adjustments",
        done=_l("Reasonable adjustments saved."),
        on_error=lambda exc: _refused(customer, form, exc),
        on_conflict=lambda exc: _changed_meanwhile(customer, form, exc),
    )


def _refused(customer: Customer, form: AdjustmentsForm, exc):
    form.apply_errors(exc)
    return _page(customer, form, 422)


def _changed_meanwhile(customer: Customer, sent: AdjustmentsForm, exc):
    """The form again with the adjustments as they are now, and what the person had entered
    listed below it, so nothing is overwritten and nothing they typed is lost (409)."""
    db.session.expire_all()
    form = AdjustmentsForm(formdata=None, data=_current(adjustments.for_customer(customer.id)))
    form.form_errors.append(next(iter(exc.errors.values())))
    return _page(customer, form, 409, sent=entered(sent))


def _page(customer: Customer, form: AdjustmentsForm, status: int, sent=None):
    page = render_template(
        "staff/customers/adjustments.html", customer=customer, form=form, sent=sent
    )
    return page, status
