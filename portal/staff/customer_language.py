"""The language a customer wants letters in, recorded by staff (customers can answer it
themselves too, on their own page: portal/customer/letters_language.py; the portal's language
switcher changes only the language of the pages)."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.auth import permissions
from portal.customers.models import Customer
from portal.customers.services import set_preferred_language
from portal.forms import BaseForm
from portal.i18n import language_label
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, perform
from portal.timeutil import utcnow


class LanguageForm(BaseForm):
    language = RadioField(
        _l("Which language should we write to them in?"),
        validators=[InputRequired(_l("Choose a language"))],
    )


@bp.route("/customers/<int:customer_id>/language", methods=["GET", "POST"])
@staff_required(permissions.can_log_contact)
def customer_language(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    languages = current_app.config["LANGUAGES"]
    form = LanguageForm(data={"language": customer.preferred_language})
    form.language.choices = [(code, language_label(code)) for code in languages]
    if form.validate_on_submit():
        return perform(
            lambda: set_preferred_language(
                actor(), utcnow(), customer, form.language.data, languages
            ),
            then=url_for("staff.customer", customer_id=customer.id),
            done=_said(form.language.data),
            on_error=beside_fields(form, lambda: _page(customer, form, 422)),
        )
    return _page(customer, form, 422 if form.is_submitted() else 200)


def _said(language: str):
    if language == "en":
        return _l("Letters to this customer will be in English.")
    return _l(
        "Letters to this customer will be in %(language)s, with the English alongside.",
        language=language_label(language),
    )


def _page(customer: Customer, form: LanguageForm, status: int):
    return render_template("staff/customers/language.html", customer=customer, form=form), status
