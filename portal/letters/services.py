"""Render letters from templates and freeze them when issued."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime

from flask import current_app, render_template
from flask_babel import force_locale, get_babel
from flask_babel import gettext as _

from portal import db
from portal.audit import services as audit
from portal.auth.models import Role
from portal.conduct_warnings.models import Stage
from portal.letters.models import Letter, LetterKind
from portal.letters.signature import signature, signed_by
from portal.organisation.services import get_organisation
from portal.references import next_reference


def render_warning(
    *, incident, stage: Stage, earlier, issued_on: date, lapses_on: date, review, summaries=None
):
    """Render a warning letter (§8.9, §8.11, §8.13) and return (subject, html); ``summaries``
    holds the Panel's summary for the letter of each earlier incident, by incident id."""
    org = get_organisation()
    subject = _("%(stage)s: your conduct towards our colleagues", stage=stage.title)
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
        summaries=summaries or {},
        subject=subject,
        signer=signature(Role.PANEL),
    )
    return subject, html


Render = Callable[[], tuple[str, str]]


def letter_language(customer) -> str:
    """The language a letter to the customer is also sent in: their preferred language where
    the portal has a catalogue for it, otherwise only English ("en")."""
    language = customer.preferred_language or "en"
    if language == "en" or language not in current_app.config["LANGUAGES"]:
        return "en"
    available = {str(locale) for locale in get_babel().instance.list_translations()}
    return language if language in available else "en"


def content_hash(body_html: str, language: str = "en", translation_html: str | None = None):
    """SHA-256 over everything the customer reads: the English and any translation."""
    digest = hashlib.sha256(body_html.encode())
    if translation_html is not None:
        digest.update(b"\0" + language.encode() + b"\0" + translation_html.encode())
    return digest.hexdigest()


def freeze(actor, now: datetime, customer, kind: LetterKind, render: Render) -> Letter:
    """Render the letter in English, and in the customer's language where there is one, and
    store exactly what was rendered with its SHA-256."""
    # Signed by whoever issues it, by name and role, and numbered first so that a letter the
    # customer answers can give its reference to quote (issue 16, point 18).
    reference = next_reference("letter", now)
    with signed_by(actor, reference), force_locale("en"):
        subject, html = render()
    language = letter_language(customer)
    translation_subject = translation_html = None
    if language != "en":
        with signed_by(actor, reference), force_locale(language):
            translation_subject, translation_html = render()
    letter = Letter(
        reference=reference,
        customer_id=customer.id,
        kind=kind,
        subject=subject[:200],
        language=language,
        body_html=html,
        translation_subject=translation_subject[:200] if translation_subject else None,
        translation_html=translation_html,
        content_sha256=content_hash(html, language, translation_html),
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
        after={
            "kind": kind,
            "sha256": letter.content_sha256,
            "customer": customer.reference,
            "language": language,
        },
    )
    return letter


def verify(letter: Letter) -> bool:
    """Say whether the stored content still matches the hash taken when it was issued."""
    expected = content_hash(letter.body_html, letter.language, letter.translation_html)
    return expected == letter.content_sha256
