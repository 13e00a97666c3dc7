"""Add a customer, and correct a customer's details (§3.1, §4.5)."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal import db
from portal import idempotency as once
from portal.auth import permissions
from portal.customers.models import Customer, CustomerType
from portal.customers.records import (
    LIMITS,
    CustomerDetails,
    create_customer,
    update_customer,
)
from portal.customers.services import vulnerability_viewed
from portal.forms import BaseForm
from portal.i18n import language_label
from portal.idempotency import OnceForm
from portal.staff import bp
from portal.staff.guard import MAX_ID, actor, get_or_404, staff_required
from portal.steps import entered, perform, record
from portal.timeutil import utcnow

# The service names the tenant by id; the form asks for their reference.
ALIASES = {"tenant_id": "tenant_reference"}


def _length(name: str):
    return [Optional(), Length(max=LIMITS[name])]


class _Radios(RadioField):
    """Radios left unanswered are asked for by their InputRequired message alone (WTForms
    would add "not a valid choice" before it)."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


class CustomerForm(BaseForm):
    forename = StringField(
        _l("First name"),
        validators=[InputRequired(_l("Enter the first name")), Length(max=LIMITS["forename"])],
    )
    surname = StringField(
        _l("Last name"),
        validators=[InputRequired(_l("Enter the last name")), Length(max=LIMITS["surname"])],
    )
    customer_type = _Radios(
        _l("Type of customer"),
        choices=CustomerType.choices(),
        validators=[InputRequired(_l("Select the type of customer"))],
    )
    tenant_reference = StringField(
        _l("Customer reference of the tenant they relate to"),
        validators=[Optional(), Length(max=20)],
    )
    address = TextAreaField(_l("Address"), validators=_length("address"))
    email = StringField(_l("Email address"), validators=_length("email"))
    phone = StringField(_l("Phone number"), validators=_length("phone"))
    preferred_language = _Radios(
        _l("Language for letters"),
        default="en",
        validators=[InputRequired(_l("Choose a language"))],
    )
    housing_ref = StringField(
        _l("Housing management system reference"), validators=_length("housing_ref")
    )
    vulnerability_notes = TextAreaField(
        _l("Vulnerability and medical needs (§4.5)"), validators=_length("vulnerability_notes")
    )
    support_needs = TextAreaField(_l("Support needs"), validators=_length("support_needs"))


class NewCustomerForm(OnceForm, CustomerForm):
    create_anyway = BooleanField(_l("This is a different person: add them as a new customer"))


class EditCustomerForm(CustomerForm):
    version = HiddenField()


def _form(cls, **kwargs):
    """The form for this person: the language choices, and the vulnerability fields only for
    those who may read them."""
    form = cls(**kwargs)
    languages = current_app.config["LANGUAGES"]
    form.preferred_language.choices = [(code, language_label(code)) for code in languages]
    if not permissions.can_edit_vulnerability(current_user):
        del form.vulnerability_notes
        del form.support_needs
    return form


def _tenant_id(form: CustomerForm) -> int | None:
    """The id of the customer whose reference was typed; 0 for a reference nobody has."""
    typed = (form.tenant_reference.data or "").strip().upper()
    if not typed:
        return None
    found = db.session.scalar(select(Customer.id).where(Customer.reference == typed))
    return found or 0


def _details(form: CustomerForm) -> CustomerDetails:
    vulnerability = {
        name: (getattr(form, name).data or "") if name in form else None
        for name in ("vulnerability_notes", "support_needs")
    }
    return CustomerDetails(
        forename=form.forename.data or "",
        surname=form.surname.data or "",
        customer_type=form.customer_type.data,
        tenant_id=_tenant_id(form),
        address=form.address.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        preferred_language=form.preferred_language.data or "",
        housing_ref=form.housing_ref.data or "",
        **vulnerability,
    )


def _current(customer: Customer) -> dict:
    """The record's details as the edit form shows them."""
    data = {
        name: getattr(customer, name)
        for name in (
            "forename",
            "surname",
            "address",
            "email",
            "phone",
            "preferred_language",
            "vulnerability_notes",
            "support_needs",
        )
    }
    return {
        **data,
        "customer_type": customer.customer_type.value,
        "tenant_reference": customer.tenant.reference if customer.tenant else "",
        "housing_ref": customer.housing_ref or "",
        "version": str(customer.version),
    }


def _version(sent) -> int | None:
    """The version the form was made from, or None if what was sent is not one."""
    text = (sent or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


@bp.route("/customers/new", methods=["GET", "POST"])
@staff_required(permissions.can_edit_customer)
def new_customer():
    form = _form(NewCustomerForm)
    if form.validate_on_submit():
        fallback = url_for("staff.customers")
        if (again := once.claim(form, "customer", actor(), utcnow(), fallback)) is not None:
            return again

        def _create():
            customer = create_customer(
                actor(),
                utcnow(),
                _details(form),
                languages=current_app.config["LANGUAGES"],
                confirmed=bool(form.create_anyway.data),
            )
            once.made(form, customer, url_for("staff.customer", customer_id=customer.id))
            return customer

        def _refused(exc):
            form.apply_errors(exc, ALIASES)
            return _new_page(form, getattr(exc, "matches", []), 422)

        return perform(
            _create,
            then=lambda customer: url_for("staff.customer", customer_id=customer.id),
            done=lambda customer: _l(
                "%(name)s added, with the reference %(ref)s.",
                name=customer.name,
                ref=customer.reference,
            ),
            on_error=_refused,
        )
    return _new_page(form, [], 422 if form.is_submitted() else 200)


def _new_page(form: NewCustomerForm, matches: list, status: int):
    page = render_template("staff/customers/new.html", form=form, matches=matches)
    return page, status


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@staff_required(permissions.can_edit_customer)
def edit_customer(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    if request.method != "POST":
        form = _form(EditCustomerForm, data=_current(customer))
        if "vulnerability_notes" in form and customer.has_vulnerability:
            # Seeing the form is reading the notes, as opening the record is.
            record(lambda: vulnerability_viewed(actor(), utcnow(), customer, "to edit"))
        return _edit_page(customer, form, 200)
    form = _form(EditCustomerForm)
    if not form.validate_on_submit():
        return _edit_page(customer, form, 422)
    record_url = url_for("staff.customer", customer_id=customer.id)
    return perform(
        lambda: update_customer(
            actor(),
            utcnow(),
            customer,
            _version(form.version.data),
            _details(form),
            languages=current_app.config["LANGUAGES"],
        ),
        then=record_url,
        done=_l("Details saved."),
        on_error=lambda exc: _refused_edit(customer, form, exc),
        on_conflict=lambda exc: _changed_meanwhile(customer, form, exc),
    )


def _refused_edit(customer: Customer, form: EditCustomerForm, exc):
    form.apply_errors(exc, ALIASES)
    return _edit_page(customer, form, 422)


def _changed_meanwhile(customer: Customer, sent: EditCustomerForm, exc):
    """The form again with the record as it is now (and its version), and a list of what the
    person had entered, so nothing is overwritten and nothing they typed is lost (409)."""
    db.session.refresh(customer)
    form = _form(EditCustomerForm, formdata=None, data=_current(customer))
    form.form_errors.append(next(iter(exc.errors.values())))
    return _edit_page(customer, form, 409, sent=entered(sent), changed=exc)


def _edit_page(customer: Customer, form: EditCustomerForm, status: int, sent=None, changed=None):
    page = render_template(
        "staff/customers/edit.html", customer=customer, form=form, sent=sent, changed=changed
    )
    return page, status
