"""Errors that services raise and views turn into messages next to fields."""

from __future__ import annotations

from datetime import datetime


class ServiceError(Exception):
    """A rule refused the action; ``errors`` maps a field name (or "") to a message."""

    def __init__(self, errors: dict[str, str] | str):
        self.errors = {"": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(self.errors.values()))


class NotAllowed(Exception):
    """The acting user may not do this."""


class Conflict(ServiceError):
    """Someone else moved the record on first, so this step cannot be done (again).

    Carries what happened (``what``: the record's state now, in words), who did it (``by``) and
    when (``at``) where known, for the page that tells the person. ``field`` is the key the
    message goes under in ``errors``, for views that place it beside a field.
    """

    def __init__(
        self,
        what: str,
        by: str | None = None,
        at: datetime | None = None,
        field: str = "",
        message: str | None = None,
    ):
        self.what = str(what)
        self.by = by
        self.at = at
        super().__init__({field: message or self.describe()})

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
