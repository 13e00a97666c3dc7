"""Customer verbs: alerts (§8.5), contact log (§6.5), refusals of access (§6.8–6.9)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import User
from portal.customers.models import (
    AccessRefusal,
    Alert,
    ContactChannel,
    ContactLogEntry,
    Customer,
    WorksType,
)
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.timeutil import london_date


def set_preferred_language(
    actor, now: datetime, customer: Customer, language: str, languages
) -> None:
    """Record the language the customer wants us to write in; English is always sent too.

    :raises NotAllowed: if the actor may not update the customer's contact details.
    :raises ServiceError: if ``language`` is not one of ``languages``.
    """
    if not permissions.can_log_contact(actor):
        raise NotAllowed
    if language not in languages:
        raise ServiceError(
            {
                "language": Problem(
                    "customer.language_unknown", _l("Choose a language from the list")
                )
            }
        )
    record_letter_language(actor, now, customer, language)


def record_letter_language(actor, now: datetime, customer: Customer, language: str, by=""):
    """Store and audit the language of the customer's letters, if it changes (``by``: who
    chose it, for the audit entry; the checks are the caller's)."""
    before = customer.preferred_language
    if before == language:
        return
    customer.preferred_language = language
    db.session.flush()
    audit.record(
        actor,
        now,
        "customer.language_set",
        "customer",
        customer.id,
        f"Preferred language of {customer.reference} set to {language}{by}",
        before={"language": before},
        after={"language": language},
    )


def raise_alert(actor, now: datetime, customer: Customer, summary: str, advice: str) -> Alert:
    """Raise a health and safety risk alert that every colleague will see (§8.5).

    :raises NotAllowed: if the actor may not raise alerts.
    :raises ServiceError: if the summary is missing or too long.
    """
    if not permissions.can_raise_alert(actor):
        raise NotAllowed
    summary = summary.strip()
    if not summary:
        raise ServiceError(
            {
                "summary": Problem(
                    "alert.summary_missing", _l("Enter the risk colleagues need to know about")
                )
            }
        )
    if len(summary) > 200:
        raise ServiceError(
            {
                "summary": Problem(
                    "alert.summary_long", _l("The risk must be 200 characters or fewer")
                )
            }
        )
    alert = Alert(
        customer_id=customer.id,
        summary=summary,
        advice=advice.strip(),
        raised_by_id=actor.id,
        raised_at=now,
    )
    db.session.add(alert)
    db.session.flush()
    audit.record(
        actor,
        now,
        "alert.raised",
        "customer",
        customer.id,
        f"H&S alert on {customer.reference}",
        after={"alert_id": alert.id, "summary": summary, "advice": alert.advice},
    )
    return alert


ALERT_END_REASON_MAX = 500


def alert_already_ended(alert: Alert) -> Conflict:
    """What to tell someone ending an alert that has ended already: by whom, and when."""
    ender = db.session.get(User, alert.ended_by_id) if alert.ended_by_id else None
    return Conflict(
        "ended",
        by=ender.name if ender else None,
        at=alert.ended_at,
        message=Problem("alert.ended_already", _l("This alert has already ended")),
    )


def end_alert(actor, now: datetime, alert: Alert, reason: str) -> Alert:
    """End an alert that no longer applies, saying why (kept in the audit entry).

    :raises ServiceError: if the reason is missing or too long.
    :raises Conflict: if it has ended already (two colleagues ending it at once: one does).
    """
    if not permissions.can_raise_alert(actor):
        raise NotAllowed
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            {"reason": Problem("alert.end_reason_missing", _l("Say why the alert is ending"))}
        )
    if len(reason) > ALERT_END_REASON_MAX:
        raise ServiceError(
            {
                "reason": Problem(
                    "alert.end_reason_long", _l("Keep the reason to 500 characters or fewer")
                )
            }
        )
    ended = db.session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.ended_at.is_(None))
        .values(ended_at=now, ended_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        db.session.refresh(alert)
        raise alert_already_ended(alert)
    set_committed_value(alert, "ended_at", now)
    set_committed_value(alert, "ended_by_id", actor.id)
    audit.record(
        actor,
        now,
        "alert.ended",
        "customer",
        alert.customer_id,
        "H&S alert ended",
        before={"alert_id": alert.id, "active": True},
        after={"alert_id": alert.id, "active": False, "reason": reason},
    )
    return alert


def log_contact(
    actor,
    now: datetime,
    customer: Customer,
    channel: ContactChannel,
    inbound: bool,
    occurred_at: datetime,
    duration_minutes: int | None,
    summary: str,
) -> ContactLogEntry:
    """Log one contact so levels of contact are evidenced with counts (§6.5–6.6).

    :raises ServiceError: for a future time, a call without a duration, or a bad duration.
    """
    errors: dict[str, Problem] = {}
    if occurred_at > now:
        errors["occurred_on"] = Problem("contact.in_future", _l("The contact must be in the past"))
    if channel == ContactChannel.PHONE and duration_minutes is None:
        errors["duration_minutes"] = Problem(
            "contact.duration_missing", _l("Enter how long the call lasted, in minutes")
        )
    if duration_minutes is not None and not 0 <= duration_minutes <= 1440:
        errors["duration_minutes"] = Problem(
            "contact.duration_range", _l("The call length must be between 0 and 1440 minutes")
        )
    if errors:
        raise ServiceError(errors)
    entry = ContactLogEntry(
        customer_id=customer.id,
        channel=channel,
        inbound=inbound,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes if channel == ContactChannel.PHONE else None,
        summary=summary.strip()[:500],
        logged_by_id=actor.id,
        logged_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        actor,
        now,
        "contact.logged",
        "customer",
        customer.id,
        f"{channel.title} logged for {customer.reference}",
        after={
            "channel": channel,
            "inbound": inbound,
            "occurred_at": occurred_at,
            "duration_minutes": entry.duration_minutes,
        },
    )
    return entry


def record_access_refusal(
    actor,
    now: datetime,
    customer: Customer,
    works_type: WorksType,
    refused_on: date,
    works_description: str,
    service_request_ref: str,
    cancel_request: bool,
) -> AccessRefusal:
    """Record a refusal of access: essential works are flagged for legal action (§6.8);
    a non-essential service request may be cancelled (§6.9).
    """
    errors: dict[str, Problem] = {}
    if refused_on > london_date(now):
        errors["refused_on"] = Problem(
            "access_refusal.in_future", _l("The date of the refusal must be today or in the past")
        )
    if not works_description.strip():
        errors["works_description"] = Problem(
            "access_refusal.works_missing", _l("Describe the works the customer refused access for")
        )
    if works_type == WorksType.ESSENTIAL and cancel_request:
        errors["cancel_request"] = Problem(
            "access_refusal.essential_not_cancelled",
            _l("A request for essential works is not cancelled: it is flagged for legal action"),
        )
    if errors:
        raise ServiceError(errors)
    refusal = AccessRefusal(
        customer_id=customer.id,
        works_type=works_type,
        refused_on=refused_on,
        works_description=works_description.strip()[:300],
        service_request_ref=service_request_ref.strip()[:40],
        legal_action_flag=works_type == WorksType.ESSENTIAL,
        service_request_cancelled=works_type == WorksType.NON_ESSENTIAL and cancel_request,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    db.session.add(refusal)
    db.session.flush()
    audit.record(
        actor,
        now,
        "access_refusal.recorded",
        "customer",
        customer.id,
        f"Refusal of access ({works_type.title}) for {customer.reference}",
        after={
            "works_type": works_type,
            "legal_action_flag": refusal.legal_action_flag,
            "service_request_cancelled": refusal.service_request_cancelled,
        },
    )
    return refusal


def vulnerability_viewed(actor, now: datetime, customer: Customer, purpose: str = "") -> None:
    """Audit that ``actor`` saw ``customer``'s vulnerability and support notes (§4.5), naming
    what for when it was not to read the record (``purpose``, e.g. "to edit")."""
    summary = f"Vulnerability details of {customer.reference} viewed"
    audit.record(
        actor,
        now,
        "vulnerability.viewed",
        "customer",
        customer.id,
        f"{summary} {purpose}" if purpose else summary,
    )
