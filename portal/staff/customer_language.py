"""The language a customer wants letters in, recorded by staff (for customers who never use
the portal's own language switcher)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from portal import db
from portal.auth import permissions
from portal.customers.models import Customer
from portal.customers.services import set_preferred_language
from portal.errors import ServiceError
from portal.forms import BaseForm
from portal.i18n import language_label
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
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
        try:
            set_preferred_language(actor(), utcnow(), customer, form.language.data, languages)
        except ServiceError as exc:
            db.session.rollback()
            form.apply_errors(exc)
        else:
            db.session.commit()
            if form.language.data == "en":
                flash(_l("Letters to this customer will be in English."), "success")
            else:
                flash(
                    _l(
                        "Letters to this customer will be in %(language)s, with the English "
                        "alongside.",
                        language=language_label(form.language.data),
                    ),
                    "success",
                )
            return redirect(url_for("staff.customer", customer_id=customer.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("staff/customers/language.html", customer=customer, form=form), status
