"""Forms for the Request to Restrict Contact (Appendix B), the GLT decision and the decision
letter; :class:`SpecMixin` sets out a restriction's terms for a decision, a review or an
appeal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import BaseForm, MultiCheckboxField, PlainDateField
from portal.idempotency import OnceForm
from portal.restrictions.models import (
    CHECKLIST,
    ContactRoute,
    Delivery,
    EiaOutcome,
    RestrictionKind,
)
from portal.restrictions.terms import RestrictionSpec

TEXT = Length(max=10_000, message=_l("Keep this to 10,000 characters or fewer"))
SHORT = Length(max=1000, message=_l("Keep this to 1,000 characters or fewer"))
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def yes_no(answer: str | None) -> bool | None:
    """A yes/no radio's answer as a bool, or None when it was not answered."""
    return {"yes": True, "no": False}.get(answer or "")


def as_yes_no(value: bool | None) -> str | None:
    return {True: "yes", False: "no"}.get(value)


class EiaMixin:
    """Whether an Equality Impact Assessment was needed, and what it found (§4.7)."""

    eia_needed = RadioField(
        _l("Was an Equality Impact Assessment needed? (§4.7)"),
        choices=YES_NO,
        validators=[Optional()],
    )
    eia_outcome = RadioField(
        _l("Outcome of the Equality Impact Assessment"),
        choices=EiaOutcome.choices(),
        validators=[Optional()],
    )
    eia_note = TextAreaField(_l("About the assessment"), validators=[Optional(), TEXT])

    def eia_answer(self) -> tuple[bool | None, EiaOutcome | None, str]:
        outcome = self.eia_outcome.data
        needed = yes_no(self.eia_needed.data)
        return needed, EiaOutcome(outcome) if outcome else None, self.eia_note.data or ""

    def start_eia_from(self, needed, outcome, note) -> None:
        self.eia_needed.data = as_yes_no(needed)
        self.eia_outcome.data = outcome.value if outcome else None
        self.eia_note.data = note


class RequestForm(EiaMixin, OnceForm):
    proposed_kinds = MultiCheckboxField(
        _l("What restriction do you propose? (§8.19)"),
        choices=RestrictionKind.choices(),
        validators=[InputRequired(_l("Select the restriction you propose"))],
    )
    proposal = TextAreaField(
        _l("The proposal, and why it is proportionate"),
        validators=[InputRequired(_l("Describe the restriction you propose")), TEXT],
    )
    waiver_incident_id = SelectField(
        _l("Serious incident (§8.1)"), coerce=int, validators=[Optional()]
    )
    waiver_reason = TextAreaField(
        _l("Why this cannot wait for a final warning"), validators=[Optional(), TEXT]
    )
    representative_considered = RadioField(
        _l(
            "Was a representative (an advocate, family member or support worker) considered? (§4.5)"
        ),
        choices=YES_NO,
        validators=[Optional()],
    )
    representative_decision = TextAreaField(
        _l("What was decided, and why"), validators=[Optional(), SHORT]
    )
    other_methods_exhausted = BooleanField(
        _l("All other methods of restricted contact have been exhausted (§9.5)")
    )
    other_methods_tried = TextAreaField(
        _l("What was tried, and why it did not work"), validators=[Optional(), TEXT]
    )


for _key, _label in CHECKLIST.items():
    setattr(
        RequestForm,
        f"checklist_{_key}",
        TextAreaField(_label, validators=[Optional(), TEXT]),
    )


class SpecMixin:
    kind = RadioField(_l("Restriction"), choices=RestrictionKind.choices(), validators=[Optional()])
    channel = RadioField(
        _l("Channel the customer may use"), choices=ContactRoute.choices(), validators=[Optional()]
    )
    named_manager_id = SelectField(_l("Named manager"), coerce=int, validators=[Optional()])
    schedule = TextAreaField(
        _l("Days and times, or the contact agreement"), validators=[Optional(), TEXT]
    )
    third_party = StringField(
        _l("Third-party representative"), validators=[Optional(), Length(max=200)]
    )
    ends_on = PlainDateField(
        _l("End date"), validators=[Optional()], message=_l("Enter a real date for the end")
    )
    restriction_reasons = TextAreaField(
        _l("Why this restriction is needed (told to the customer)"), validators=[Optional(), TEXT]
    )

    def start_from(self, restriction) -> None:
        """Fill the restriction fields with ``restriction``'s terms, for the user to change."""
        self.kind.data = restriction.kind.value
        self.channel.data = restriction.channel.value if restriction.channel else None
        self.named_manager_id.data = restriction.named_manager_id or 0
        self.schedule.data = restriction.schedule
        self.third_party.data = restriction.third_party
        self.restriction_reasons.data = restriction.reasons

    def spec(self, starts_on, review_on, kind: str | None = None) -> RestrictionSpec:
        """One restriction from the form: ``kind`` (default: the form's one kind) with the
        detail that kind needs."""
        immediate = getattr(self, "immediate_notice", None)
        return RestrictionSpec(
            kind=RestrictionKind(kind or self.kind.data),
            starts_on=starts_on,
            review_on=review_on,
            reasons=self.restriction_reasons.data or "",
            ends_on=self.ends_on.data,
            channel=ContactRoute(self.channel.data) if self.channel.data else None,
            named_manager_id=self.named_manager_id.data or None,
            schedule=self.schedule.data or "",
            third_party=self.third_party.data or "",
            immediate_notice=bool(immediate and immediate.data),
        )


class DecisionForm(EiaMixin, SpecMixin, BaseForm):
    # GLT may grant several restrictions in one decision, each kind with its own detail below
    # (the channel, the manager, the times, the representative); the reasons and dates are
    # shared. Granting exactly the kinds proposed is "approve" (§8.19).
    kind = MultiCheckboxField(
        _l("Restrictions you approve"), choices=RestrictionKind.choices(), validators=[Optional()]
    )
    outcome = RadioField(
        _l("Decision"),
        choices=[
            ("approved", _l("Approve")),
            ("approved_with_changes", _l("Approve with changes")),
            ("rejected", _l("Reject")),
        ],
        validators=[InputRequired(_l("Choose approve, approve with changes or reject"))],
    )
    reasons = TextAreaField(
        _l("Reasons for the decision"),
        validators=[InputRequired(_l("Give the reasons for the decision")), TEXT],
    )
    starts_on = PlainDateField(
        _l("Start date"), validators=[Optional()], message=_l("Enter a real date for the start")
    )
    review_on = PlainDateField(
        _l("Review date"), validators=[Optional()], message=_l("Enter a real date for the review")
    )
    immediate_notice = BooleanField(
        _l("Start at once, before the letter arrives, to keep colleagues safe (§4.6)")
    )
    # Offered, and ticked to start with, only while another restriction is in force (§10.1).
    review_together = BooleanField(_l("Review together with the restrictions already in force"))
    # The restrictions in force as the page showed them (review_together.in_force_seen).
    in_force_seen = HiddenField()

    def seen_in_force(self) -> str | None:
        """What the page showed of the restrictions in force; None from a form without it."""
        return self.in_force_seen.raw_data[0] if self.in_force_seen.raw_data else None


class MoreInfoForm(BaseForm):
    question = TextAreaField(
        _l("What more do you need to know?"),
        validators=[InputRequired(_l("Say what more information you need")), TEXT],
    )


class LetterForm(BaseForm):
    delivery = RadioField(
        _l("How will the customer get this letter?"),
        choices=Delivery.choices(),
        default=Delivery.POST.value,
        validators=[InputRequired(_l("Choose how the letter is sent"))],
    )
