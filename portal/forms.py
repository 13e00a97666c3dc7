"""Shared form pieces: plain-English messages, multi-checkboxes and service-error mapping."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, RadioField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from portal.errors import ServiceError
from portal.timeutil import from_london


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        # A blank box is no box. Left in, a blank first value makes Optional() stop the
        # checks (and wipe pre_validate's error), letting the values after it through unchecked.
        self.raw_data = [v for v in valuelist if not isinstance(v, str) or v.strip()]
        super().process_formdata(self.raw_data)

    def pre_validate(self, form):
        values = {str(v) for v, _label in self.choices}
        if any(str(d) not in values for d in self.data or []):
            raise ValidationError(_l("Select options from the list"))


class PlainDateField(Field):
    """A date typed as YYYY-MM-DD (what <input type=date> sends); impossible dates are refused."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Enter a real date")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            _nothing_typed(self)
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip()[:10])
        except ValueError as exc:
            raise ValueError(str(self.message)) from exc
        if self.data.year < 1900:
            self.data = None
            raise ValueError(str(self.message))


def _nothing_typed(field: Field) -> None:
    """Treat a value of only spaces as nothing sent, so InputRequired asks for it again
    (it counts any non-empty string as an answer) instead of the view getting no date."""
    field.raw_data = []


class PlainTimeField(Field):
    """A time typed as HH:MM."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            _nothing_typed(self)
            return
        try:
            self.data = time.fromisoformat(valuelist[0].strip()[:8])
        except ValueError as exc:
            raise ValueError(str(_l("Enter a real time, like 14:30"))) from exc


def combine(day: date, at: time | None, latest: datetime | None = None) -> datetime:
    """A London wall-clock date and time as aware UTC.

    An unknown time is taken as midday, but never later than ``latest`` (the time of the
    report), so something reported in the morning "earlier today" is not in the future.
    """
    if at is not None:
        return from_london(day, at.hour, at.minute)
    moment = from_london(day, 12, 0)
    return min(moment, latest) if latest is not None else moment


# WTForms' own messages, in the plain English the rest of the portal uses.
_PLAIN_MESSAGES = {
    "Not a valid choice.": _l("Select an option from the list"),
    "Invalid Choice: could not coerce.": _l("Select an option from the list"),
    "Not a valid integer value.": _l("Enter a whole number, like 15"),
    "Field cannot be longer than %(max)d characters.": _l(
        "Keep this to %(max)d characters or fewer"
    ),
}


class _PlainTranslations:
    """Wrap WTForms' translations so its built-in messages read like the portal's own."""

    def __init__(self, inner):
        self.inner = inner

    def gettext(self, string: str) -> str:
        if string in _PLAIN_MESSAGES:
            return str(_PLAIN_MESSAGES[string])
        return self.inner.gettext(string) if self.inner else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        chosen = singular if n == 1 else plural
        if chosen in _PLAIN_MESSAGES:
            return str(_PLAIN_MESSAGES[chosen])
        return self.inner.ngettext(singular, plural, n) if self.inner else chosen


class BaseForm(FlaskForm):
    """Every portal form: service errors attach to their fields, the rest to the form."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _PlainTranslations(super().get_translations(form))

        def wrap_formdata(self, form, formdata):
            """Drop NUL characters: nobody types them, and PostgreSQL refuses them in text."""
            data = super().wrap_formdata(form, formdata)
            if data is None:
                return None
            return MultiDict(
                (key, value.replace("\x00", "") if isinstance(value, str) else value)
                for key, value in data.items(multi=True)
            )

    def apply_errors(self, exc: ServiceError, aliases: dict[str, str] | None = None) -> None:
        aliases = aliases or {}
        for name, message in exc.errors.items():
            name = aliases.get(name, name)
            field = self._fields.get(name) if name else None
            if field is not None:
                field.errors = [*list(field.errors or []), message]
            else:
                self.form_errors.append(message)

    def error_list(self) -> list[tuple[str, str]]:
        """(element id, message) pairs for the error summary, in field order."""
        out = [("", m) for m in self.form_errors]
        for field in self:
            for message in field.errors or []:
                if isinstance(message, str | LazyString):
                    out.append((_summary_target(field), str(message)))
        return out


def _summary_target(field: Field) -> str:
    """The id the error summary links to: radios and checkboxes link to their first option."""
    if isinstance(field, RadioField | MultiCheckboxField):
        first = next(iter(field), None)
        if first is not None:
            return first.id
    return field.id
