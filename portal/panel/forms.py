"""The Panel's review form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import BaseForm, MultiCheckboxField
from portal.panel.models import CONTEXT_CONSIDERATIONS, LETTER_SUMMARY_MAX, Outcome

_MAX = Length(max=10_000, message=_l("Keep this to 10,000 characters or fewer"))


class ReviewForm(BaseForm):
    context_considered = MultiCheckboxField(
        _l("Context weighed (§7.2)"),
        choices=list(CONTEXT_CONSIDERATIONS.items()),
        validators=[InputRequired(_l("Confirm you have weighed each point of context (§7.2)"))],
    )
    context_notes = TextAreaField(
        _l("How the context affects the Panel's view"),
        validators=[
            InputRequired(_l("Say how the context affected your view of the behaviour")),
            _MAX,
        ],
    )
    vulnerability_considered = BooleanField(
        _l("We have considered the customer's vulnerabilities and support needs (§4.5, §8.14)")
    )
    vulnerability_notes = TextAreaField(
        _l("How they were taken into account"), validators=[Optional(), _MAX]
    )
    support_referral = BooleanField(_l("Refer the customer to a support service"))
    support_referral_to = TextAreaField(_l("Support service"), validators=[Optional(), _MAX])
    eia_needed = BooleanField(_l("An Equality Impact Assessment is needed (§4.7)"))
    eia_notes = TextAreaField(_l("Who completes it, and by when"), validators=[Optional(), _MAX])
    # The view offers only the outcomes open for the incident (panel.services.outcomes_for).
    outcome = RadioField(
        _l("Outcome"),
        choices=Outcome.choices(),
        validators=[InputRequired(_l("Select the outcome of the review"))],
    )
    reasons = TextAreaField(
        _l("Reasons for the outcome"),
        validators=[InputRequired(_l("Give the reasons for the outcome")), _MAX],
    )
    letter_summary = TextAreaField(
        _l("Summary for the letter"),
        validators=[
            Optional(),
            Length(
                max=LETTER_SUMMARY_MAX,
                message=_l("Keep the summary for the letter to 1,500 characters or fewer"),
            ),
        ],
    )
