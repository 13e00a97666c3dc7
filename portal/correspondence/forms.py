"""Forms for logging and checking correspondence under termination (§9.5)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.forms import BaseForm, PlainDateField, PlainTimeField
from portal.idempotency import OnceForm
from portal.restrictions.forms import TEXT


class CorrespondenceForm(OnceForm):
    received_on = PlainDateField(
        _l("Date received"),
        validators=[InputRequired(_l("Enter the date it was received"))],
        message=_l("Enter a real date"),
    )
    received_time = PlainTimeField(_l("Time received"), validators=[Optional()])
    channel = RadioField(
        _l("How did it arrive?"),
        choices=[("letter", _l("Letter")), ("email", _l("Email")), ("other", _l("Another way"))],
        validators=[InputRequired(_l("Choose how it arrived"))],
    )
    summary = TextAreaField(
        _l("What does it say?"), validators=[InputRequired(_l("Summarise what it says")), TEXT]
    )


class CheckForm(BaseForm):
    new_information = BooleanField(_l("It contains new information or evidence"))
    safeguarding_concern = BooleanField(_l("It raises a safeguarding concern"))
    check_notes = TextAreaField(_l("Notes"), validators=[Optional(), TEXT])
