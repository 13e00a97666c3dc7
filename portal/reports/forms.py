"""The committee report's forms: choosing the period and committee (a GET form, no CSRF:
it changes nothing), and issuing the report for a meeting (POST, CSRF, one-time key)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField
from wtforms.validators import ValidationError

from portal.forms import BaseForm, PlainDateField
from portal.idempotency import OnceForm
from portal.reports.shape import Committee


def committee_choices() -> list[tuple[str, str]]:
    return [(c.value, c.title) for c in Committee]


class _Committee(RadioField):
    """A committee radio: anything not on the list is told beside it."""

    def __init__(self, **kwargs):
        super().__init__(
            _l("Committee"),
            choices=committee_choices(),
            default=Committee.CUSTOMER_EXPERIENCE.value,
            **kwargs,
        )

    def pre_validate(self, form):
        if self.data not in {c.value for c in Committee}:
            raise ValidationError(str(_l("Choose the committee")))

    @property
    def committee(self) -> Committee:
        return Committee(self.data) if self.data in {c.value for c in Committee} else None


class PeriodForm(BaseForm):
    """Which period, and which committee's version (read from the query string)."""

    class Meta(BaseForm.Meta):
        csrf = False

    start = PlainDateField(_l("First day"), message=_l("Enter a real date, like 2026-04-01"))
    end = PlainDateField(_l("Last day"), message=_l("Enter a real date, like 2026-09-30"))
    committee = _Committee()


class IssueForm(OnceForm):
    """Issue the report shown for a committee meeting: the period and committee come from
    the report on the page; the meeting's date is typed."""

    meeting_date = PlainDateField(
        _l("Date of the committee meeting"),
        message=_l("Enter a real date, like 2026-12-10"),
    )
    start = HiddenField()
    end = HiddenField()
    committee = HiddenField()
