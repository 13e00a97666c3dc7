"""Who signs a letter: the colleague who issues it, by name and role, for the organisation.

Freezing a letter (:func:`portal.letters.services.freeze`) names the colleague issuing it with
:func:`signed_by`; the letter builders read it with :func:`signature` while they render. A
draft shown to a colleague before it is issued (a preview) is signed by that colleague, the one
who would issue it. Frozen letters keep the signature they were issued with. A letter rendered
with nobody named (outside a staff request) is signed by the team alone, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import has_request_context
from flask_login import current_user

from portal.auth.models import Role

_UNSET = object()
_signer: ContextVar = ContextVar("letter_signer", default=_UNSET)
_reference: ContextVar = ContextVar("letter_reference", default=None)

# A colleague with several roles signs with the role the letter's step belongs to, if they
# hold it, otherwise with the first of theirs in this order.
ORDER = (
    Role.CEM,
    Role.GLT,
    Role.PANEL,
    Role.CSM,
    Role.LINE_MANAGER,
    Role.ADMIN,
    Role.COLLEAGUE,
)


@dataclass(frozen=True)
class Signature:
    """A name and a role title, as printed under "Yours sincerely"."""

    name: str
    role: Role | None = None
    job_title: str = ""

    @property
    def title(self) -> str:
        """The role's title in the letter's language, or (no role) the job title as written."""
        return self.role.title if self.role is not None else self.job_title

    @property
    def title_is_english(self) -> bool:
        """The job title is free text, written in English."""
        return self.role is None


@contextmanager
def signed_by(user, reference: str | None = None) -> Iterator[None]:
    """Name ``user`` (a member of staff, or None) as the signer of letters rendered inside,
    and ``reference`` as the letter's own reference (None in a preview)."""
    signer = _signer.set(user if getattr(user, "is_staff", False) else None)
    ref = _reference.set(reference)
    try:
        yield
    finally:
        _reference.reset(ref)
        _signer.reset(signer)


def signature_of(user, prefer: Role | None = None) -> Signature | None:
    """``user``'s signature: their role ``prefer`` if they hold it, otherwise their first role
    in :data:`ORDER` (None for nobody)."""
    if user is None:
        return None
    roles = user.roles
    role = prefer if prefer in roles else next((r for r in ORDER if r in roles), None)
    return Signature(user.name, role, (user.job_title or "").strip())


def signature(prefer: Role | None = None) -> Signature | None:
    """The signature of the colleague named by :func:`signed_by`; with nobody named, of the
    colleague signed in to this request (a draft they are looking at), or None."""
    user = _signer.get()
    if user is _UNSET:
        user = _viewer()
    return signature_of(user, prefer)


def _viewer():
    """The member of staff signed in to the current request, if any."""
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    return user if getattr(user, "is_staff", False) else None


def letter_reference() -> str | None:
    """The reference of the letter being issued, for the customer to quote (None in a
    preview: it is given when the letter is issued)."""
    return _reference.get()
