"""Errors that services raise and views turn into messages next to fields."""

from __future__ import annotations

from datetime import datetime

from flask_babel.speaklater import LazyString
from markupsafe import escape


def entered_text(value) -> str:
    """Text a person sent, as a service keeps it: without surrounding spaces or NUL (which
    PostgreSQL refuses in text, and nobody types); anything that is not text is empty."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


class Problem(LazyString):
    """One reason a service refused: a stable ``code`` for code to act on, and a message said
    in the language of whoever reads it (give a lazy string, ``_l("...")``).

    It reads as a string wherever one was expected (compared, joined, shown on a page), in
    the locale in force when it is read, not when it was raised: the same refusal is English
    on a staff page and Urdu on the page of a customer reading in Urdu. Views choose what to
    do by ``code``, never by matching the English.
    """

    def __init__(self, code: str, message: str | LazyString):
        super().__init__(str, message)
        self.code = code
        self.message = message

    def __html__(self) -> str:
        # Escaped: a message may carry what someone typed (a file's name, say).
        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"Problem({self.code!r}, {str(self)!r})"


def code_of(message) -> str | None:
    """The code of a service's message, or None for a plain string."""
    return getattr(message, "code", None) if isinstance(message, Problem) else None


class ServiceError(Exception):
    """A rule refused the action; ``errors`` maps a field name (or "") to a :class:`Problem`
    (a stable code and a translatable message). tests/unit/test_service_error_codes.py checks
    that no service gives it plain text.
    """

    def __init__(self, errors: dict[str, str | Problem] | str | Problem):
        single = isinstance(errors, str | LazyString)
        self.errors = {"": errors} if single else dict(errors)
        super().__init__(*self.errors.values())

    def __str__(self) -> str:
        return "; ".join(str(message) for message in self.errors.values())

    @property
    def codes(self) -> dict[str, str | None]:
        """Each field's code (None where the message is plain text)."""
        return {name: code_of(message) for name, message in self.errors.items()}

    def problem(self, *codes: str) -> Problem | None:
        """The first of the messages whose code is one of ``codes``, if any."""
        return next((m for m in self.errors.values() if code_of(m) in codes), None)


class NotAllowed(Exception):
    """The acting user may not do this."""


class Conflict(ServiceError):
    """Someone else moved the record on first, so this step cannot be done (again).

    Carries what happened (``what``: the record's state now, in words), who did it (``by``) and
    when (``at``) where known, for the page that tells the person. ``field`` is the key the
    message goes under in ``errors``, for views that place it beside a field. ``message`` is a
    :class:`Problem` (a stable code and a lazy message); without one it is :meth:`describe`,
    said when read, with the code "conflict".
    """

    def __init__(
        self,
        what: str,
        by: str | None = None,
        at: datetime | None = None,
        field: str = "",
        message: Problem | None = None,
    ):
        if message is not None and not isinstance(message, Problem):
            raise TypeError("Conflict's message is a Problem: a stable code and a lazy message")
        self.what = str(what)
        self.by = by
        self.at = at
        said = message or Problem("conflict", LazyString(self.describe))
        super().__init__({field: said})

    def describe(self) -> str:
        """One sentence: who did what, and when."""
        from flask_babel import gettext as _

        when = _when(self.at) if self.at is not None else None
        if self.by and when:
            return _(
                "%(by)s recorded this at %(at)s: it is now “%(what)s”.",
                by=self.by,
                at=when,
                what=self.what,
            )
        if when:
            return _("This was recorded at %(at)s: it is now “%(what)s”.", at=when, what=self.what)
        return _("This has already been done: it is now “%(what)s”.", what=self.what)


def _when(at: datetime) -> str:
    """London time for the message; ISO time where no app (and so no Babel) is at hand."""
    from flask import has_app_context

    if not has_app_context():
        return at.isoformat(timespec="minutes")
    from portal.i18n import date_time

    return date_time(at)
