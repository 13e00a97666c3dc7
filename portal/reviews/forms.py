"""Forms for the Restricted Contact Review (Appendix C) and reintroducing a restriction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.forms import BaseForm, PlainDateField
from portal.restrictions.forms import TEXT, SpecMixin
from portal.restrictions.models import Delivery
from portal.reviews.models import ReviewOutcome


class ReviewForm(SpecMixin, BaseForm):
    outcome = RadioField(
        _l("Decision"),
        choices=ReviewOutcome.choices(),
        validators=[InputRequired(_l("Choose continue, vary or lift"))],
    )
    delivery = RadioField(
        _l("How will the customer get the letter?"),
        choices=Delivery.choices(),
        validators=[InputRequired(_l("Choose how the letter is sent"))],
    )
    behaviour_since = TextAreaField(
        _l("Behaviour since the restriction started"), validators=[Optional(), TEXT]
    )
    reasons = TextAreaField(
        _l("Reasons (told to the customer)"),
        validators=[InputRequired(_l("Give the reasons for the decision")), TEXT],
    )
    next_review_on = PlainDateField(
        _l("Next review"),
        validators=[Optional()],
        message=_l("Enter a real date for the next review"),
    )


class ReintroduceForm(BaseForm):
    reason = TextAreaField(
        _l("What behaviour started again?"),
        validators=[InputRequired(_l("Say what behaviour started again")), TEXT],
    )
    review_on = PlainDateField(
        _l("Review date"),
        validators=[InputRequired(_l("Enter the review date"))],
        message=_l("Enter a real date for the review"),
    )
