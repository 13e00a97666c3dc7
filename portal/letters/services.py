"""Render letters from templates and freeze them when issued."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask import render_template
from sqlalchemy import func, select

from portal import db
from portal.audit import services as audit
from portal.conduct_warnings.models import Stage
from portal.letters.models import Letter, LetterKind
from portal.organisation.services import get_organisation
from portal.timeutil import london_date


def render_warning(*, incident, stage: Stage, earlier, issued_on: date, lapses_on: date, review):
    """Render a warning letter (§8.9, §8.11, §8.13) and return (subject, html)."""
    org = get_organisation()
    subject = f"{stage.title}: your conduct towards our colleagues"
    html = render_template(
        "letters/warning.html",
        org=org,
        customer=incident.customer,
        incident=incident,
        stage=stage,
        earlier=earlier,
        issued_on=issued_on,
        lapses_on=lapses_on,
        review=review,
        subject=subject,
    )
    return subject, html


def _next_reference(now: datetime) -> str:
    prefix = f"LET-{london_date(now).year}-"
    count = db.session.scalar(
        select(func.count(Letter.id)).where(Letter.reference.like(prefix + "%"))
    )
    return f"{prefix}{count + 1:05d}"


def freeze(actor, now: datetime, customer, kind: LetterKind, subject: str, html: str) -> Letter:
    """Store the issued letter's exact content and its SHA-256."""
    letter = Letter(
        reference=_next_reference(now),
        customer_id=customer.id,
        kind=kind,
        subject=subject[:200],
        language="en",
        body_html=html,
        content_sha256=hashlib.sha256(html.encode()).hexdigest(),
        issued_at=now,
        issued_by_id=actor.id,
    )
    db.session.add(letter)
    db.session.flush()
    audit.record(
        actor,
        now,
        "letter.issued",
        "letter",
        letter.id,
        f"{letter.reference}: {letter.subject}",
        after={"kind": kind, "sha256": letter.content_sha256, "customer": customer.reference},
    )
    return letter


def verify(letter: Letter) -> bool:
    """Say whether the stored content still matches the hash taken when it was issued."""
    return hashlib.sha256(letter.body_html.encode()).hexdigest() == letter.content_sha256
