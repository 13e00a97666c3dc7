"""The customer's own equality monitoring answers (§11.1, §12.1): given, changed or withdrawn
by them through the portal, checked and kept by portal/equality/services.py."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired, ValidationError

from portal.customer import bp, customer_required, signed_in_customer
from portal.equality import services
from portal.equality.models import CHARACTERISTICS, FIELDS, answers
from portal.forms import BaseForm
from portal.steps import perform
from portal.timeutil import utcnow

# Each question as the customer is asked it (the staff wording speaks of "the customer").
QUESTIONS = {
    "age_band": _l("How old are you?"),
    "sex": _l("What is your sex?"),
    "gender_same_as_birth": _l(
        "Is the gender you identify with the same as your sex registered at birth?"
    ),
    "ethnic_group": _l("What is your ethnic group?"),
    "religion": _l("What is your religion or belief?"),
    "disability": _l("Do you consider yourself to have a disability?"),
    "sexual_orientation": _l("What is your sexual orientation?"),
    "marital_status": _l("What is your marital or civil partnership status?"),
}
assert set(QUESTIONS) == set(CHARACTERISTICS)

CHANGED_MEANWHILE = _l(
    "Our team changed your answers while you had this page open, so we have not saved "
    "yours. Below are your answers as they are now. You can change them again if you "
    "need to."
)
NOT_IN_LIST = _l("Choose one of the answers shown")
NOT_SENT = _l("Nothing was changed, as this page had been open too long. Please try again.")


class _Radios(RadioField):
    """Radios that may be left unanswered; an answer not offered, or two, is refused."""

    def process_formdata(self, valuelist):
        if len(valuelist) > 1:
            self.data = None
            raise ValueError(str(NOT_IN_LIST))
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.data not in (None, "") and self.data not in {v for v, _label in self.choices}:
            raise ValidationError(str(NOT_IN_LIST))


class OwnEqualityForm(BaseForm):
    version = HiddenField()
    consent_given = _Radios(
        _l("Are you happy to answer these questions?"),
        choices=[
            ("yes", _l("Yes, I am happy to answer")),
            ("no", _l("No, I would rather not answer")),
        ],
        validators=[InputRequired(_l("Choose whether you are happy to answer"))],
    )


for _name in FIELDS:
    setattr(OwnEqualityForm, _name, _Radios(QUESTIONS[_name], choices=answers(_name)))


class WithdrawForm(BaseForm):
    version = HiddenField()


# The withdraw form sits on the same page: its fields are prefixed, so no id is used twice.
WITHDRAW = "withdraw-"


def _version(sent) -> int | None:
    text = (sent or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= 2**31 - 1 else None


def _current(found) -> dict:
    if found is None:
        return {}
    return {
        "version": str(found.version),
        "consent_given": "yes" if found.consent_given else "no",
        **{name: getattr(found, name) for name in FIELDS},
    }


@bp.route("/equality", methods=["GET", "POST"])
@customer_required
def equality():
    account = signed_in_customer()
    found = services.own_record(account)
    # What they sent, or (on a first look) what is kept: never the two mixed.
    form = OwnEqualityForm() if request.method == "POST" else OwnEqualityForm(data=_current(found))
    if not form.validate_on_submit():
        return _page(form, found, 422 if form.is_submitted() else 200)
    consent = form.consent_given.data == "yes"
    values = {name: getattr(form, name).data or None for name in FIELDS}
    return perform(
        lambda: services.save_own(account, utcnow(), _version(form.version.data), consent, values),
        then=url_for("customer.equality"),
        done=lambda saved: (
            _l("Thank you. We have saved your answers.")
            if saved.consent_given
            else _l("Thank you. We have noted that you would rather not answer.")
        ),
        on_error=lambda exc: _refused(form, found, exc),
        on_conflict=lambda exc: _changed(),
    )


@bp.route("/equality/withdraw", methods=["POST"])
@customer_required
def equality_withdraw():
    account = signed_in_customer()
    form = WithdrawForm(prefix=WITHDRAW)
    if not form.validate_on_submit():
        found = services.own_record(account)
        page = OwnEqualityForm(formdata=None, data=_current(found))
        page.form_errors.append(NOT_SENT)
        return _page(page, found, 422)
    return perform(
        lambda: services.save_own(account, utcnow(), _version(form.version.data), False, {}),
        then=url_for("customer.equality"),
        done=_l("We have deleted your answers. You can answer again at any time."),
        on_conflict=lambda exc: _changed(),
    )


def _refused(form: OwnEqualityForm, found, exc):
    # The service speaks to staff; the customer is told in their own words.
    for name in exc.errors:
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*list(field.errors or []), NOT_IN_LIST]
        else:
            form.form_errors.append(NOT_IN_LIST)
    return _page(form, found, 422)


def _changed():
    found = services.own_record(signed_in_customer())
    form = OwnEqualityForm(formdata=None, data=_current(found))
    form.form_errors.append(CHANGED_MEANWHILE)
    return _page(form, found, 409)


def _page(form: OwnEqualityForm, found, status: int):
    withdraw = WithdrawForm(
        formdata=None, prefix=WITHDRAW, data={"version": form.version.data or ""}
    )
    page = render_template(
        "customer/equality.html", form=form, withdraw=withdraw, found=found, fields=FIELDS
    )
    return page, status
