"""The Customer Conduct Reporting Form (Appendix A) and the line manager's §8.3 decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import BaseForm, MultiCheckboxField, PlainDateField, PlainTimeField
from portal.idempotency import OnceForm
from portal.incidents.catalogue import (
    EXAMPLES,
    Category,
    Channel,
    ManagerDecision,
    ProtectedCharacteristic,
)

LONG_TEXT = 10_000


def _long(message):
    return Length(max=LONG_TEXT, message=message)


class IncidentForm(OnceForm):
    customer_reference = StringField(
        _l("Customer reference"),
        validators=[
            InputRequired(_l("Enter the customer reference, like C-100001")),
            Length(max=20),
        ],
    )
    occurred_on = PlainDateField(
        _l("Date of the incident"),
        validators=[InputRequired(_l("Enter the date of the incident"))],
        message=_l("Enter a real date for the incident"),
    )
    occurred_time = PlainTimeField(_l("Time of the incident"), validators=[Optional()])
    channel = RadioField(
        _l("Where or how did it happen?"),
        choices=Channel.choices(),
        validators=[InputRequired(_l("Select where or how the incident happened"))],
    )
    location = StringField(_l("Place or address"), validators=[Optional(), Length(max=200)])
    service_area = StringField(_l("Service area"), validators=[Optional(), Length(max=80)])
    categories = MultiCheckboxField(
        _l("What kind of behaviour was it?"),
        choices=Category.choices(),
        validators=[InputRequired(_l("Select at least one type of behaviour"))],
    )
    example_types = MultiCheckboxField(
        _l("Examples that fit"),
        choices=[(key, title) for examples in EXAMPLES.values() for key, title in examples.items()],
        validators=[Optional()],
    )
    description = TextAreaField(
        _l("What happened?"),
        validators=[
            InputRequired(_l("Describe what happened")),
            _long(_l("The description must be 10,000 characters or fewer")),
        ],
    )
    immediate_action = TextAreaField(
        _l("What did you do at the time? (§8.1)"),
        validators=[Optional(), _long(_l("Keep this to 10,000 characters or fewer"))],
    )
    witnesses = TextAreaField(
        _l("Witnesses"),
        validators=[Optional(), _long(_l("Keep this to 10,000 characters or fewer"))],
    )
    injury = BooleanField(_l("Someone was injured"))
    injury_details = TextAreaField(
        _l("Describe the injury"),
        validators=[Optional(), _long(_l("Keep this to 10,000 characters or fewer"))],
    )
    protected_characteristics = MultiCheckboxField(
        _l("Which protected characteristics were the comments about? (§5.5)"),
        choices=ProtectedCharacteristic.choices(),
        validators=[Optional()],
    )
    police_informed = RadioField(
        _l("Have the police been told?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(_l("Say whether the police have been told"))],
    )
    police_informed_on = PlainDateField(
        _l("Date the police were told"),
        validators=[Optional()],
        message=_l("Enter a real date for when the police were told"),
    )
    police_informed_time = PlainTimeField(_l("Time the police were told"), validators=[Optional()])
    crime_reference = StringField(
        _l("Crime reference number"), validators=[Optional(), Length(max=40)]
    )
    line_manager_id = SelectField(
        _l("Manager to tell"),
        coerce=int,
        validators=[InputRequired(_l("Choose the manager to tell"))],
    )
    evidence = FileField(_l("Evidence"))


class ManagerDecisionForm(BaseForm):
    decisions = MultiCheckboxField(
        _l("What did you and your colleague decide?"),
        choices=ManagerDecision.choices(),
        validators=[InputRequired(_l("Select what you decided, or 'No further immediate action'"))],
    )
    notes = TextAreaField(
        _l("Reasons and next steps"),
        validators=[Optional(), _long(_l("Keep this to 10,000 characters or fewer"))],
    )


class SeriousnessForm(BaseForm):
    serious = RadioField(
        _l("Is this a serious incident under §8.1?"),
        choices=[("yes", _l("Yes, serious")), ("no", _l("No, not serious"))],
        validators=[InputRequired(_l("Say whether the incident is serious"))],
    )
    serious_reason = TextAreaField(
        _l("Reason for your judgement"),
        validators=[
            InputRequired(_l("Give the reason for your judgement")),
            Length(max=2000, message=_l("Keep the reason to 2,000 characters or fewer")),
        ],
    )
    # The judgement the page showed (Incident.serious_judgement_seen).
    seen = HiddenField()

    def seen_judgement(self) -> str | None:
        """What the page showed, or None from a form without the field (a page cached before
        it had one): then nothing is checked."""
        return self.seen.raw_data[0] if self.seen.raw_data else None


class EvidenceForm(BaseForm):
    # Its own id: "evidence" is the heading the page links to after an upload.
    evidence = FileField(
        _l("Add evidence"),
        id="evidence-file",
        validators=[FileRequired(_l("Choose a file to upload"))],
    )
