"""Errors that services raise and views turn into messages next to fields."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the action; ``errors`` maps a field name (or "") to a message."""

    def __init__(self, errors: dict[str, str] | str):
        self.errors = {"": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(self.errors.values()))


class NotAllowed(Exception):
    """The acting user may not do this."""
