"""The informal arrangement form (§8.15) and the customer's answer taken by staff."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.arrangements.models import WEEKDAYS, ResponseChannel, TermKind
from portal.forms import BaseForm, MultiCheckboxField, PlainDateField, PlainTimeField
from portal.idempotency import OnceForm
from portal.letters.delivery import Delivery

_TEXT = Length(max=5_000, message=_l("Keep this to 5,000 characters or fewer"))
_DAYS = [(str(i), day) for i, day in enumerate(WEEKDAYS)]


class ArrangementForm(OnceForm):
    kinds = MultiCheckboxField(
        _l("What does the arrangement include?"),
        choices=TermKind.choices(),
        validators=[InputRequired(_l("Choose at least one part of the arrangement"))],
    )
    summary = TextAreaField(
        _l("Why we suggest it (the customer reads this)"),
        validators=[InputRequired(_l("Explain to the customer why we suggest this")), _TEXT],
    )
    mediator_name = StringField(_l("Mediation service"), validators=[Optional(), Length(max=200)])
    third_party_name = StringField(
        _l("Agreed third party"), validators=[Optional(), Length(max=200)]
    )
    weekly_correspondence_weekday = RadioField(
        _l("Day for weekly correspondence"), choices=_DAYS, validators=[Optional()]
    )
    call_time_weekday = RadioField(_l("Day for calls"), choices=_DAYS, validators=[Optional()])
    call_time_starts_at = PlainTimeField(_l("Calls from"), validators=[Optional()])
    call_time_ends_at = PlainTimeField(_l("Calls until"), validators=[Optional()])
    call_length_amount = IntegerField(
        _l("Longest call, in minutes"),
        validators=[
            Optional(),
            NumberRange(1, 600, _l("Enter the call length in minutes, from 1 to 600")),
        ],
    )
    issue_limit_amount = IntegerField(
        _l("Most issues at a time"),
        validators=[
            Optional(),
            NumberRange(1, 600, _l("Enter the number of issues, from 1 to 600")),
        ],
    )
    review_on = PlainDateField(
        _l("Review the arrangement by"),
        validators=[InputRequired(_l("Enter the review date"))],
        message=_l("Enter a real review date"),
    )
    # Needed to approve, not to preview: the service refuses an arrangement without it.
    delivery = RadioField(
        _l("How will the customer get this letter?"),
        choices=Delivery.choices(),
        validators=[Optional()],
        invalid_choice_message=_l("Choose how the letter is sent"),
    )


class AnswerForm(BaseForm):
    answer = RadioField(
        _l("The customer's answer"),
        choices=[
            ("agree", _l("Agrees")),
            ("decline", _l("Declines")),
            ("propose_change", _l("Proposes a change")),
        ],
        validators=[InputRequired(_l("Choose agree, decline or propose a change"))],
    )
    channel = RadioField(
        _l("How did they tell us?"),
        choices=[(c.value, c.title) for c in ResponseChannel if c != ResponseChannel.PORTAL],
        validators=[InputRequired(_l("Say how the customer gave their answer"))],
    )
    note = TextAreaField(_l("What they said"), validators=[Optional(), _TEXT])


class EndForm(BaseForm):
    reason = TextAreaField(
        _l("Why is it ending?"),
        validators=[InputRequired(_l("Say why the arrangement is ending")), _TEXT],
    )
