"""Representatives and advocates the customer has agreed may act for them: add, and end.

Not the "third-party representative" restriction (portal/staff/restrictions.py): that is a
decision that contact must go through someone; this is the customer's own choice.
"""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal import idempotency as once
from portal.auth import permissions
from portal.customers.models import (
    ConsentMethod,
    Customer,
    CustomerRepresentative,
    RepresentativeEnding,
    RepresentativeRelation,
)
from portal.customers.representatives import (
    END_REASON_MAX,
    LIMITS,
    RepresentativeDetails,
    add_representative,
    already_ended,
    end_representative,
)
from portal.forms import BaseForm, PlainDateField
from portal.idempotency import OnceForm
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import conflict_page, perform
from portal.timeutil import utcnow


def _length(name: str, most: int | None = None):
    most = most or LIMITS[name]
    return [
        Optional(),
        Length(max=most, message=_l("Keep this to %(max)d characters or fewer", max=most)),
    ]


class _Radios(RadioField):
    """Radios left unanswered are asked for by their InputRequired message alone."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


class RepresentativeForm(OnceForm):
    name = StringField(
        _l("Their name"),
        validators=[
            InputRequired(_l("Enter the name of the person acting for them")),
            Length(max=LIMITS["name"], message=_l("Keep this to 200 characters or fewer")),
        ],
    )
    relation = _Radios(
        _l("Who are they to the customer?"),
        choices=RepresentativeRelation.choices(),
        validators=[InputRequired(_l("Select who they are to the customer"))],
    )
    relation_detail = StringField(
        _l("Who they are to the customer"), validators=_length("relation_detail")
    )
    organisation = StringField(_l("Organisation"), validators=_length("organisation"))
    phone = StringField(_l("Phone number"), validators=_length("phone"))
    email = StringField(_l("Email address"), validators=_length("email"))
    address = TextAreaField(_l("Address"), validators=_length("address"))
    consent_given_on = PlainDateField(
        _l("Date the customer gave their consent"),
        validators=[InputRequired(_l("Enter the date the customer gave their consent"))],
        message=_l("Enter a real date, like 2026-03-31"),
    )
    consent_method = _Radios(
        _l("How did the customer give their consent?"),
        choices=ConsentMethod.choices(),
        validators=[InputRequired(_l("Select how the customer gave their consent"))],
    )
    consent_until = PlainDateField(
        _l("Last day of consent"),
        validators=[Optional()],
        message=_l("Enter a real date, like 2026-03-31"),
    )
    copy_letters = BooleanField(_l("Also send them a copy of letters to the customer"))
    consent_confirmed = BooleanField(
        _l("The customer has agreed to this person acting for them"),
        validators=[
            DataRequired(_l("Confirm the customer has agreed to this person acting for them"))
        ],
    )


class EndRepresentativeForm(BaseForm):
    because = _Radios(
        _l("Why are they no longer acting for the customer?"),
        choices=RepresentativeEnding.choices(),
        validators=[InputRequired(_l("Select why they are no longer acting"))],
    )
    reason = TextAreaField(_l("Anything colleagues should know"), validators=_length("", 500))


def _details(form: RepresentativeForm) -> RepresentativeDetails:
    return RepresentativeDetails(
        name=form.name.data or "",
        relation=form.relation.data,
        relation_detail=form.relation_detail.data or "",
        organisation=form.organisation.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        address=form.address.data or "",
        consent_given_on=form.consent_given_on.data,
        consent_method=form.consent_method.data,
        consent_until=form.consent_until.data,
        copy_letters=bool(form.copy_letters.data),
        consent_confirmed=bool(form.consent_confirmed.data),
    )


def _record_url(customer_id: int) -> str:
    return url_for("staff.customer", customer_id=customer_id, _anchor="representatives")


@bp.route("/customers/<int:customer_id>/representatives/new", methods=["GET", "POST"])
@staff_required(permissions.can_edit_customer)
def new_representative(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = RepresentativeForm()
    if not form.validate_on_submit():
        return _new_page(customer, form, 422 if form.is_submitted() else 200)
    record_url = _record_url(customer.id)
    if (again := once.claim(form, "representative", actor(), utcnow(), record_url)) is not None:
        return again

    def _add():
        representative = add_representative(actor(), utcnow(), customer, _details(form))
        once.made(form, representative, record_url)
        return representative

    def _refused(exc):
        form.apply_errors(exc)
        return _new_page(customer, form, 422)

    return perform(
        _add,
        then=record_url,
        done=lambda r: _l("%(name)s recorded as acting for the customer.", name=r.name),
        on_error=_refused,
    )


def _new_page(customer: Customer, form: RepresentativeForm, status: int):
    page = render_template("staff/customers/representative_new.html", customer=customer, form=form)
    return page, status


@bp.route(
    "/customers/<int:customer_id>/representatives/<int:representative_id>/end",
    methods=["GET", "POST"],
)
@staff_required(permissions.can_edit_customer)
def end_customer_representative(customer_id: int, representative_id: int):
    representative = get_or_404(CustomerRepresentative, representative_id)
    if representative.customer_id != customer_id:
        abort(404)
    customer = get_or_404(Customer, customer_id)
    form = EndRepresentativeForm()
    if representative.ended:
        return _ended_page(already_ended(representative), customer_id, form)
    if not form.validate_on_submit():
        return _end_page(customer, representative, form)

    def _refused(exc):
        form.apply_errors(exc)
        return _end_page(customer, representative, form)

    return perform(
        lambda: end_representative(
            actor(), utcnow(), representative, form.because.data, form.reason.data or ""
        ),
        then=_record_url(customer_id),
        done=lambda r: _l("%(name)s no longer acts for the customer.", name=r.name),
        on_error=_refused,
        on_conflict=lambda exc: _ended_page(exc, customer_id, form),
    )


def _end_page(customer: Customer, representative: CustomerRepresentative, form):
    page = render_template(
        "staff/customers/representative_end.html",
        customer=customer,
        representative=representative,
        form=form,
        end_reason_max=END_REASON_MAX,
    )
    return page, 422 if form.is_submitted() else 200


def _ended_page(exc, customer_id: int, form: EndRepresentativeForm):
    return conflict_page(
        exc,
        heading=str(_l("This person has already stopped acting for the customer")),
        back_url=_record_url(customer_id),
        back_label=str(_l("Go to the customer's record")),
        form=form,
    )
