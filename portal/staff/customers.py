"""Customers: find, open the record, raise alerts, log contacts, record refusals of access."""

from __future__ import annotations

from flask import abort, get_template_attribute, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal import deadlines, search
from portal import idempotency as once
from portal.auth import permissions
from portal.customers import queries, representatives, timeline
from portal.customers.models import Alert, ContactChannel, Customer, WorksType
from portal.customers.services import (
    ALERT_END_REASON_MAX,
    alert_already_ended,
    end_alert,
    log_contact,
    raise_alert,
    record_access_refusal,
    vulnerability_viewed,
)
from portal.forms import BaseForm, PlainDateField, PlainTimeField, combine
from portal.htmx import render_page_or_fragment
from portal.idempotency import OnceForm
from portal.organisation.services import get_organisation
from portal.paging import page_arg
from portal.restrictions import queries as restriction_queries
from portal.restrictions.combined import staff_statement
from portal.restrictions.rules import ALWAYS_OPEN
from portal.staff import bp
from portal.staff.formatting import ListFormat
from portal.staff.guard import MAX_ID, actor, get_or_404, staff_required
from portal.steps import beside_fields, conflict_page, perform, record
from portal.timeutil import london_date, utcnow


class AlertForm(OnceForm):
    summary = StringField(
        _l("What is the risk?"),
        validators=[
            InputRequired(_l("Enter the risk colleagues need to know about")),
            Length(max=200, message=_l("The risk must be 200 characters or fewer")),
        ],
    )
    advice = TextAreaField(
        _l("What should colleagues do?"),
        validators=[
            Optional(),
            Length(max=2000, message=_l("Advice must be 2000 characters or fewer")),
        ],
    )


class EndAlertForm(BaseForm):
    reason = TextAreaField(
        _l("Why is the alert ending?"),
        validators=[
            InputRequired(_l("Say why the alert is ending")),
            Length(
                max=ALERT_END_REASON_MAX,
                message=_l("Keep the reason to 500 characters or fewer"),
            ),
        ],
    )


class ContactForm(OnceForm):
    channel = RadioField(
        _l("How did the contact happen?"),
        choices=ContactChannel.choices(),
        validators=[InputRequired(_l("Select how the contact happened"))],
    )
    direction = RadioField(
        _l("Who made the contact?"),
        choices=[("in", _l("The customer contacted us")), ("out", _l("We contacted the customer"))],
        default="in",
        validators=[InputRequired(_l("Select who made the contact"))],
    )
    occurred_on = PlainDateField(
        _l("Date"),
        validators=[InputRequired(_l("Enter the date of the contact"))],
        message=_l("Enter a real date for the contact"),
    )
    occurred_time = PlainTimeField(_l("Time"), validators=[Optional()])
    duration_minutes = IntegerField(
        _l("Call length in minutes"),
        validators=[
            Optional(),
            NumberRange(0, 1440, _l("The call length must be between 0 and 1440 minutes")),
        ],
    )
    summary = StringField(
        _l("What was it about?"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep the summary to 500 characters or fewer")),
        ],
    )


class RefusalForm(OnceForm):
    works_type = RadioField(
        _l("What kind of works?"),
        choices=WorksType.choices(),
        validators=[InputRequired(_l("Select whether the works were essential"))],
    )
    refused_on = PlainDateField(
        _l("Date access was refused"),
        validators=[InputRequired(_l("Enter the date access was refused"))],
        message=_l("Enter a real date for the refusal"),
    )
    works_description = StringField(
        _l("Works"),
        validators=[
            InputRequired(_l("Describe the works the customer refused access for")),
            Length(max=300),
        ],
    )
    service_request_ref = StringField(
        _l("Service request reference"), validators=[Optional(), Length(max=40)]
    )
    cancel_request = BooleanField(_l("Cancel the service request (non-essential works only, §6.9)"))


def _customer_for_view(customer_id: int) -> Customer:
    customer = get_or_404(Customer, customer_id)
    return customer


@bp.route("/customers")
@staff_required(permissions.can_view_customer)
def customers():
    q = request.args.get("q", "").replace("\x00", "")[:100]
    found, alerts = queries.find_customers(q)
    return render_page_or_fragment(
        "staff/customers/index.html",
        "staff/customers/_results.html",
        q=q,
        customers=found,
        alerts=alerts,
        too_short=search.too_short(q),
    )


def _record_context(customer: Customer, now=None, totals=None, **forms):
    """The record page's context; ``totals`` (:func:`queries.customer_with_totals`), when the
    view has them, are for ``now``."""
    now = now or utcnow()
    viewer = current_user._get_current_object()  # asked often: once through the proxy
    fmt = ListFormat()
    with_history = permissions.can_view_conduct_history(viewer)
    asked = queries.RecordPages(
        warnings=page_arg("warnings"),
        history=page_arg("history"),
        contacts=page_arg("contacts"),
        refusals=page_arg("refusals"),
    )
    record = queries.customer_record(customer, now, with_history, asked, totals)
    readable_letters = timeline.warnings_with_readable_letters(record, viewer)
    restrictions_visible = permissions.can_view_restrictions(viewer)
    contact = (
        restriction_queries.contact_picture(customer.id, restrictions_visible, london_date(now))
        if record.totals["contact_rules"]
        else restriction_queries.ContactPicture()  # nothing to read: none of its rows exist
    )
    return {
        "contact": contact,
        # Two or more restrictions in force are flagged as one statement (§8.21).
        "together": (
            staff_statement([r for r, _allowed in contact.in_force])
            if len(contact.in_force) > 1
            else None
        ),
        # "Appeal by" dates a closure day moved say so (spec §7).
        "moves": deadlines.moved_dates(*contact.history),
        "always_open": ALWAYS_OPEN,
        # The flag gives colleagues the numbers for the routes a restriction never closes.
        "org": get_organisation() if contact.in_force else None,
        "restrictions_visible": restrictions_visible,
        "can_restrict": permissions.can_request_restriction(viewer),
        "can_handle_correspondence": permissions.can_handle_correspondence(viewer),
        "customer": customer,
        "record": record,
        # Each list's page links keep the other lists on the pages they show.
        "page_args": {
            "customer_id": customer.id,
            **{name: page.number for name, page in record.pages.items() if page.number > 1},
        },
        "timeline": timeline.timeline(record, viewer, readable_letters),
        "readable_letters": readable_letters,
        "with_history": with_history,
        "today": london_date(now),
        # The form sent back to correct; the others are shown blank.
        **{f"{name}_form": forms.get(f"{name}_form") for name in BLANK_FORMS},
        "blank": _blank_forms(),
        "can_raise_alert": permissions.can_raise_alert(viewer),
        # Who the customer has agreed may act for them; read only if there are any.
        "representatives": representatives.on_record(
            customer.id, london_date(now), record.totals["representatives"]
        ),
        # Each title looked up once for the page's lists, not once a row.
        "fmt": fmt,
    }


# The record's forms, each shown blank unless it was sent back to correct.
BLANK_FORMS = {"contact": ContactForm, "refusal": RefusalForm, "alert": AlertForm}
# (form, locale) -> the HTML of the form's fields, blank.
_BLANK_FIELDS: dict[tuple[str, str], Markup] = {}


def _blank_forms() -> dict[str, Markup]:
    """Each of the record's forms as nobody has filled it in: its fields are the same on every
    record and every view of it, so they are rendered once a language and kept; only its
    hidden fields (this person's CSRF token, a new submission key) are made afresh."""
    locale = str(get_locale())
    hidden = get_template_attribute("staff/customers/_record_fields.html", "blank_hidden")
    blank = {}
    for name, form in BLANK_FORMS.items():
        fields = _BLANK_FIELDS.get((name, locale))
        if fields is None:
            render = get_template_attribute("staff/customers/_record_fields.html", f"{name}_fields")
            fields = render(form(prefix=name, formdata=None))
            fields = _BLANK_FIELDS[(name, locale)] = Markup(fields)
        blank[name] = hidden(name, once.new_key()) + fields
    return blank


@bp.route("/customers/<int:customer_id>")
@staff_required(permissions.can_view_customer)
def customer(customer_id: int):
    now = utcnow()
    with_history = permissions.can_view_conduct_history(current_user)
    # Who the record is about, and how long each of its lists is, in one statement.
    found = (
        queries.customer_with_totals(customer_id, now, with_history)
        if 0 < customer_id <= MAX_ID
        else None
    )
    if found is None:
        abort(404)
    customer, totals = found
    if with_history and customer.has_vulnerability:
        record(lambda: vulnerability_viewed(actor(), utcnow(), customer))
    return render_template("staff/customers/record.html", **_record_context(customer, now, totals))


@bp.route("/customers/<int:customer_id>/alerts", methods=["POST"])
@staff_required(permissions.can_raise_alert)
def raise_customer_alert(customer_id: int):
    customer = _customer_for_view(customer_id)
    form = AlertForm(prefix="alert")
    if form.validate_on_submit():
        record_url = url_for("staff.customer", customer_id=customer.id)
        if (again := once.claim(form, "alert", actor(), utcnow(), record_url)) is not None:
            return again
        return perform(
            lambda: _made(
                form,
                raise_alert(actor(), utcnow(), customer, form.summary.data, form.advice.data or ""),
                record_url,
            ),
            then=record_url,
            done=_l("Alert raised. Every colleague who opens this customer will see it."),
            on_error=beside_fields(form, lambda: _record_page(customer, form, alert_form=form)),
        )
    return _record_page(customer, form, alert_form=form)


def _made(form, record, url: str):
    """``record``, once noted as what this form created (for a second send of it)."""
    once.made(form, record, url)
    return record


def _record_page(customer: Customer, form, **forms):
    """The customer's record again, with ``form`` sent back to correct (422)."""
    return render_template(
        "staff/customers/record.html", form=form, **_record_context(customer, **forms)
    ), 422


@bp.route("/customers/<int:customer_id>/alerts/<int:alert_id>/end", methods=["GET", "POST"])
@staff_required(permissions.can_raise_alert)
def end_customer_alert(customer_id: int, alert_id: int):
    alert = get_or_404(Alert, alert_id)
    if alert.customer_id != customer_id:
        abort(404)
    form = EndAlertForm()
    if not alert.active:
        return _alert_ended_page(alert_already_ended(alert), customer_id, form)
    if form.validate_on_submit():
        return perform(
            lambda: end_alert(actor(), utcnow(), alert, form.reason.data),
            then=url_for("staff.customer", customer_id=customer_id),
            done=_l("Alert ended."),
            on_error=beside_fields(form, lambda: _end_alert_page(form, alert)),
            on_conflict=lambda exc: _alert_ended_page(exc, customer_id, form),
        )
    return _end_alert_page(form, alert)


def _end_alert_page(form: EndAlertForm, alert: Alert):
    """Ask why the alert is ending, and confirm; sent back (422) with what needs correcting."""
    customer = get_or_404(Customer, alert.customer_id)
    page = render_template(
        "staff/customers/end_alert.html", form=form, alert=alert, customer=customer
    )
    return page, 422 if form.is_submitted() else 200


def _alert_ended_page(exc, customer_id: int, form: EndAlertForm):
    return conflict_page(
        exc,
        heading=str(_l("This alert has already ended")),
        back_url=url_for("staff.customer", customer_id=customer_id),
        back_label=str(_l("Go to the customer's record")),
        form=form,
    )


@bp.route("/customers/<int:customer_id>/contacts", methods=["POST"])
@staff_required(permissions.can_log_contact)
def log_customer_contact(customer_id: int):
    customer = _customer_for_view(customer_id)
    form = ContactForm(prefix="contact")
    if form.validate_on_submit():
        log_url = url_for("staff.customer", customer_id=customer.id, _anchor="contact-log")
        if (again := once.claim(form, "contact", actor(), utcnow(), log_url)) is not None:
            return again
        return perform(
            lambda: _made(
                form,
                log_contact(
                    actor(),
                    utcnow(),
                    customer,
                    ContactChannel(form.channel.data),
                    form.direction.data == "in",
                    combine(form.occurred_on.data, form.occurred_time.data, utcnow()),
                    form.duration_minutes.data,
                    form.summary.data or "",
                ),
                log_url,
            ),
            then=log_url,
            done=_l("Contact logged."),
            on_error=beside_fields(form, lambda: _record_page(customer, form, contact_form=form)),
        )
    return _record_page(customer, form, contact_form=form)


@bp.route("/customers/<int:customer_id>/access-refusals", methods=["POST"])
@staff_required(permissions.can_log_contact)
def record_refusal(customer_id: int):
    customer = _customer_for_view(customer_id)
    form = RefusalForm(prefix="refusal")
    if form.validate_on_submit():
        record_url = url_for("staff.customer", customer_id=customer.id)
        if (again := once.claim(form, "refusal", actor(), utcnow(), record_url)) is not None:
            return again
        return perform(
            lambda: _made(
                form,
                record_access_refusal(
                    actor(),
                    utcnow(),
                    customer,
                    WorksType(form.works_type.data),
                    form.refused_on.data,
                    form.works_description.data,
                    form.service_request_ref.data or "",
                    bool(form.cancel_request.data),
                ),
                record_url,
            ),
            then=record_url,
            done=_l("Refusal of access recorded."),
            on_error=beside_fields(form, lambda: _record_page(customer, form, refusal_form=form)),
        )
    return _record_page(customer, form, refusal_form=form)
