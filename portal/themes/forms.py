"""The forms of the themes pages (§10.2)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import BaseForm, MultiCheckboxField, PlainDateField
from portal.idempotency import OnceForm
from portal.themes.models import NAME_MAX, EscalatedTo
from portal.themes.services import TEXT_MAX


class _Radios(RadioField):
    """Radios left unanswered are asked for by their InputRequired message alone."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


class ThemeForm(BaseForm):
    name = StringField(
        _l("Name of the theme"),
        validators=[InputRequired(_l("Enter the name of the theme")), Length(max=NAME_MAX)],
    )
    description = TextAreaField(
        _l("What the theme covers"), validators=[Optional(), Length(max=TEXT_MAX)]
    )


class ActiveForm(BaseForm):
    active = HiddenField()


class TagForm(BaseForm):
    themes = MultiCheckboxField(_l("Themes"), coerce=int)
    # The themes ticked when the page was shown: only those may be untagged, so a tag
    # another Panel member added meanwhile is never taken off by this form.
    was_tagged = HiddenField()


class EscalationForm(OnceForm):
    escalated_to = _Radios(
        _l("Escalated to"),
        choices=EscalatedTo.choices(),
        validators=[InputRequired(_l("Choose who the theme was escalated to"))],
    )
    escalated_on = PlainDateField(
        _l("Date escalated"), validators=[InputRequired(_l("Enter the date it was escalated"))]
    )
    summary = TextAreaField(
        _l("Summary"), validators=[InputRequired(_l("Enter a summary")), Length(max=TEXT_MAX)]
    )
    follow_up_on = PlainDateField(_l("Follow up by"), validators=[Optional()])


class OutcomeForm(BaseForm):
    outcome = TextAreaField(
        _l("Outcome"), validators=[InputRequired(_l("Enter the outcome")), Length(max=TEXT_MAX)]
    )
    outcome_on = PlainDateField(
        _l("Date of the outcome"),
        validators=[InputRequired(_l("Enter the date of the outcome"))],
    )
    follow_up_on = PlainDateField(_l("Next follow-up"), validators=[Optional()])


class RegisterReviewForm(OnceForm):
    held_on = PlainDateField(
        _l("Date of the review"), validators=[InputRequired(_l("Enter the date of the review"))]
    )
    attendees = TextAreaField(
        _l("Who attended"),
        validators=[InputRequired(_l("Enter who attended")), Length(max=2000)],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=TEXT_MAX)])
