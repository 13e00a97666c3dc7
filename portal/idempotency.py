"""One-time submission keys: a create form sent twice creates one record.

A create form (:class:`OnceForm`) carries a random key, made when the form is shown. When it is
sent, the view :func:`claim`\\ s the key before it creates anything: a row in
``submission_key``, whose primary key is the key, inserted in the request's transaction. Two
sends of one form at the same instant both try to insert it; the database lets one through
and makes the other wait until the first commits, and then refuses it, so the second is sent
to what the first created (:func:`made` records it) and creates nothing. A send that is refused
(a field to correct) rolls the claim back with everything else, so the corrected form, with
the same key, goes through.

A form sent without a key, or with one the portal never makes (forged, or from a page cached
before keys existed), is taken as one ordinary submission: CSRF has already shown it came from
the portal's own page, and refusing it would lose what the person typed to guard against
nothing worse than the resubmission the key is there to catch.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import flash, redirect
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from portal import db
from portal.forms import BaseForm

KEY = re.compile(r"[A-Za-z0-9_-]{22,64}")
# How long a used key is kept: far longer than anyone keeps a form open, or a browser
# offers to send it again.
KEPT_FOR = timedelta(days=30)


def new_key() -> str:
    return secrets.token_urlsafe(24)


class SubmissionKey(db.Base):
    """A create form's key, once sent: who sent it, what it created and where that is."""

    __tablename__ = "submission_key"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    used_at: Mapped[datetime] = mapped_column(index=True)
    entity_type: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(String(500))


class OnceForm(BaseForm):
    """A form that creates something: it carries a one-time submission key."""

    submission_key = HiddenField(default=new_key)


def _sent_key(form: OnceForm) -> str | None:
    field = form.submission_key
    sent = (field.raw_data or [""])[0]
    return sent if KEY.fullmatch(sent or "") else None


def _first_result(row: SubmissionKey, fallback: str):
    flash(_l("That form had already been sent: this is what it saved."), "success")
    return redirect(row.url or fallback, 303)


def sent_before(form: OnceForm, name: str, actor, fallback: str):
    """The redirect (303) to what this form created, if it was sent and saved before; else
    None. Only looks: for a view that must answer a resubmission before it checks the form
    (the state the form was made for may have gone: the first send took it)."""
    key = _sent_key(form)
    if key is None:
        return None
    row = db.session.get(SubmissionKey, key)
    if row is None or row.user_id != actor.id or row.form != name:
        return None
    return _first_result(row, fallback)


def claim(form: OnceForm, name: str, actor, now: datetime, fallback: str):
    """Claim the form's key for this submission, before anything is created.

    Returns None to go ahead, or the redirect (303) to what the key's first submission
    created, when it was sent already. ``fallback`` is where to send someone whose first
    submission recorded nothing to show.
    """
    key = _sent_key(form)
    form.claimed = None
    if key is None:
        return None
    row = db.session.get(SubmissionKey, key)
    if row is None:
        try:
            with db.session.begin_nested():
                row = SubmissionKey(key=key, form=name, user_id=actor.id, used_at=now)
                db.session.add(row)
        except IntegrityError:
            # Sent twice at once: the other send committed first and holds the key.
            row = db.session.get(SubmissionKey, key, populate_existing=True)
            if row is None:  # pragma: no cover - it was there a moment ago
                return None
        else:
            form.claimed = row
            return None
    if row.user_id != actor.id or row.form != name:
        # Not this person's key for this form: nothing to show them, so an ordinary send.
        return None
    return _first_result(row, fallback)


def made(form: OnceForm, record, url: str) -> None:
    """Record what the claimed submission created, for a second send of the same form."""
    row = getattr(form, "claimed", None)
    if row is None:
        return
    row.entity_type = type(record).__tablename__
    row.entity_id = record.id
    row.url = url
    db.session.flush()


def forget_before(now: datetime) -> int:
    """Delete keys used longer ago than anyone could send their form again; how many."""
    result = db.session.execute(delete(SubmissionKey).where(SubmissionKey.used_at < now - KEPT_FOR))
    return result.rowcount or 0
