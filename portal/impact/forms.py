"""The forms of an Equality Impact Assessment's page (§4.7)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import BaseForm
from portal.impact.models import AssessmentOutcome
from portal.impact.services import TEXT_MAX


class _Radios(RadioField):
    """Radios left unanswered are asked for by their InputRequired message alone."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


class AssignForm(BaseForm):
    assigned_to = SelectField(_l("Assessment given to"), choices=[], validate_choice=False)
    # The version of the assessment the page showed: a change made since is not overwritten.
    version = HiddenField()


class CompleteForm(BaseForm):
    outcome = _Radios(
        _l("What the assessment found"),
        choices=AssessmentOutcome.choices(),
        validators=[InputRequired(_l("Choose what the assessment found"))],
    )
    considered = TextAreaField(
        _l("What was considered"),
        validators=[
            InputRequired(
                _l("Say what was considered: the customer's needs and how the action affects them")
            ),
            Length(max=TEXT_MAX),
        ],
    )
    adjustments = TextAreaField(
        _l("Adjustments made"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    version = HiddenField()
