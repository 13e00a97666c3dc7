"""Read the organisation's settings."""

from __future__ import annotations

import sqlite3

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal import db
from portal.organisation.links import AlwaysOpen
from portal.organisation.models import Organisation
from portal.organisation.texts import (
    MAX_LENGTH,
    TEXT_FIELDS,
    TEXT_LANGUAGES,
    form_key,
    org_text,
    set_translations,
)


def remember_organisation(org: Organisation) -> None:
    """Keep ``org`` (read with something else) as this database session's organisation row."""
    db.session.info["organisation"] = org


def _known_organisation() -> Organisation | None:
    """The organisation row this database session has read already, else read now (None
    when there is none yet)."""
    org = db.session.info.get("organisation")
    if org is not None and org in db.session:
        return org
    org = db.session.scalar(select(Organisation).order_by(Organisation.id).limit(1))
    if org is not None:
        remember_organisation(org)
    return org


def get_organisation() -> Organisation:
    """Return the organisation row, creating defaults on first use.

    The row is read once per database session: a page rendering many letters (each signed
    with the organisation's details) reads it once, not once a letter. The identity map
    would hand back the same object anyway; a row no longer in the session is read again.
    """
    org = _known_organisation()
    if org is None:
        org = Organisation(name="Housing Group")
        db.session.add(org)
        db.session.flush()
        remember_organisation(org)
    return org


# What a failing database raises: SQLite's own error comes unwrapped when the transaction's
# BEGIN IMMEDIATE (portal/db.py) cannot take the write lock.
UNREADABLE = (SQLAlchemyError, sqlite3.Error)


def always_open(locale: str = "en") -> AlwaysOpen | None:
    """The routes that are always open (§4.6) in ``locale`` (:func:`org_text`), for the
    customer pages' layout; None when they cannot be read (an error page while the database
    is failing must still show)."""
    try:
        org = _known_organisation()
        return org and AlwaysOpen(
            org_text("complaints_contact", locale, org), org_text("emergency_contact", locale, org)
        )
    except UNREADABLE:
        return None


def organisation_name() -> str:
    """The organisation's name for the page header; blank when it cannot be read (as on the
    page that says the database is failing)."""
    try:
        org = _known_organisation()
        return org.name if org else ""
    except UNREADABLE:
        return ""


ORGANISATION_FIELDS = (
    "name",
    "address",
    "phone",
    "email",
    "policy_title",
    "policy_url",
    "complaints_contact",
    "emergency_contact",
    "appeals_contact",
    "review_request_contact",
    "postal_delivery_days",
    "cutoff_time",
    "panel_review_days",
    "panel_review_unit",
)


# §4.6: the routes no restriction closes, shown on every customer page and in every letter.
ALWAYS_OPEN_FIELDS = {
    "complaints_contact": "how to make a complaint",
    "emergency_contact": "how to report an emergency repair or a health and safety issue",
}


def update_organisation(actor, now, changes: dict) -> Organisation:
    """Change the organisation's details (:func:`portal.deadlines.update_organisation` also
    moves the open deadlines that the deadline settings move).

    :raises ServiceError: for a missing name or always-open route, a bad review period or a
        policy link that is not a web address.
    """
    from portal.audit import services as audit
    from portal.errors import Problem, ServiceError

    errors: dict[str, Problem] = {}
    if not str(changes.get("name", "")).strip():
        errors["name"] = Problem("organisation.name_missing", _l("Enter the organisation's name"))
    days = changes.get("panel_review_days")
    if not isinstance(days, int) or not 1 <= days <= 60:
        errors["panel_review_days"] = Problem(
            "organisation.review_days_range", _l("The review period must be between 1 and 60 days")
        )
    postal = changes.get("postal_delivery_days", 2)
    if not isinstance(postal, int) or not 0 <= postal <= 10:
        errors["postal_delivery_days"] = Problem(
            "organisation.postal_days_range",
            _l("Letters sent by post must count as received within 0 to 10 working days"),
        )
    for name, route in ALWAYS_OPEN_FIELDS.items():
        if not str(changes.get(name, "")).strip():
            errors[name] = Problem(
                "organisation.always_open_missing",
                _l("Enter %(route)s: every customer page and letter shows it", route=route),
            )
    for field in TEXT_FIELDS:
        for code in TEXT_LANGUAGES:
            key = form_key(field, code)
            if len(str(changes.get(key) or "")) > MAX_LENGTH:
                errors[key] = Problem(
                    "organisation.text_long",
                    _l("Keep this to %(count)d characters or fewer", count=MAX_LENGTH),
                )
    if changes.get("panel_review_unit") not in ("calendar", "working"):
        errors["panel_review_unit"] = Problem(
            "organisation.review_unit_unknown", _l("Select calendar days or working days")
        )
    url = str(changes.get("policy_url", "")).strip()
    if url and not url.startswith(("https://", "http://", "/")):
        errors["policy_url"] = Problem(
            "organisation.policy_url_invalid", _l("Enter a web address starting with https://")
        )
    if errors:
        raise ServiceError(errors)
    org = get_organisation()
    before = {name: getattr(org, name) for name in ORGANISATION_FIELDS}
    for name in ORGANISATION_FIELDS:
        value = changes.get(name, getattr(org, name))
        setattr(org, name, value.strip() if isinstance(value, str) else value)
    after = {name: getattr(org, name) for name in ORGANISATION_FIELDS}
    changed = {k: v for k, v in after.items() if before[k] != v}
    texts_before, texts_after = set_translations(org, changes)
    before.update(texts_before)
    changed.update(texts_after)
    db.session.flush()
    if changed:
        audit.record(
            actor,
            now,
            "organisation.updated",
            "organisation",
            org.id,
            "Organisation details changed",
            before={k: before[k] for k in changed},
            after=changed,
        )
    return org
