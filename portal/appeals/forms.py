"""Staff forms for appeals (§9.1–9.4): the CEM's decision on a late appeal, GLT's decision,
and an appeal the customer gave by phone, letter, email or in person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.appeals.models import AppealChannel, AppealOutcome
from portal.forms import BaseForm, PlainDateField, PlainTimeField
from portal.idempotency import OnceForm
from portal.restrictions.forms import SpecMixin


class LateDecisionForm(BaseForm):
    accept = RadioField(
        _l("Accept the late appeal?"),
        choices=[("yes", _l("Yes, accept it")), ("no", _l("No, do not accept it"))],
        validators=[InputRequired(_l("Choose whether to accept the late appeal"))],
    )
    late_decision_reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(_l("Give the reason for the decision")), Length(max=3000)],
    )


class DecisionForm(SpecMixin, BaseForm):
    outcome = RadioField(
        _l("Decision"),
        choices=[(o.value, o.title) for o in AppealOutcome],
        validators=[InputRequired(_l("Choose the decision"))],
    )
    reasons = TextAreaField(
        _l("Reasons, as the customer will read them"),
        validators=[InputRequired(_l("Give the reasons for the decision")), Length(max=5000)],
    )
    review_on = PlainDateField(
        _l("Review date"), validators=[Optional()], message=_l("Enter a real review date")
    )


class AssistedForm(OnceForm):
    # The choices are the customer's decisions open to appeal, set by the view; an id not
    # among them (or none) reaches the service, which says why beside this field.
    decision = RadioField(
        _l("Which decision is the customer appealing against?"),
        validate_choice=False,
        validators=[Optional()],  # with one decision open, the view chooses it
    )
    channel = RadioField(
        _l("How did the customer appeal?"),
        choices=[(c.value, c.title) for c in AppealChannel if c != AppealChannel.PORTAL],
        validators=[InputRequired(_l("Choose how the customer appealed"))],
    )
    received_on = PlainDateField(
        _l("Date received"),
        validators=[InputRequired(_l("Enter the date the appeal was received"))],
        message=_l("Enter a real date, like 2027-03-19"),
    )
    received_time = PlainTimeField(_l("Time received"), validators=[Optional()])
    helped_by = StringField(
        _l("Who helped (for example an interpreter, a representative or a colleague)"),
        validators=[Optional(), Length(max=200)],
    )
    grounds = TextAreaField(
        _l("The customer's reasons, in their words"),
        validators=[InputRequired(_l("Record the customer's reasons")), Length(max=5000)],
    )
    new_information = TextAreaField(
        _l("New information the customer gave"), validators=[Optional(), Length(max=5000)]
    )
    interpreter_language = StringField(
        _l("Interpreter needed: which language?"),
        validators=[Optional(), Length(max=80)],
    )
    representative = StringField(_l("Representative"), validators=[Optional(), Length(max=200)])
    late_reason = TextAreaField(
        _l("If the appeal is late: the customer's reason"),
        validators=[Optional(), Length(max=5000)],
    )
