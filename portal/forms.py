"""Shared form pieces: plain-English messages, multi-checkboxes and service-error mapping."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from portal.errors import ServiceError
from portal.timeutil import from_london


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

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
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip()[:10])
        except ValueError as exc:
            raise ValueError(str(self.message)) from exc
        if self.data.year < 1900:
            self.data = None
            raise ValueError(str(self.message))


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
            return
        try:
            self.data = time.fromisoformat(valuelist[0].strip()[:8])
        except ValueError as exc:
            raise ValueError(str(_l("Enter a real time, like 14:30"))) from exc


def combine(day: date, at: time | None) -> datetime:
    """A London wall-clock date and time as aware UTC."""
    at = at or time(12, 0)
    return from_london(day, at.hour, at.minute)


class BaseForm(FlaskForm):
    """Every portal form: service errors attach to their fields, the rest to the form."""

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
        """(field id, message) pairs for the error summary, in field order."""
        out = [("", m) for m in self.form_errors]
        for field in self:
            for message in field.errors or []:
                if isinstance(message, str | type(_l(""))):
                    out.append((field.id, str(message)))
        return out
