"""Read-only queries for finding customers and building the customer record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, true
from sqlalchemy.orm import joinedload

from portal import db
from portal.audit.models import AuditEvent
from portal.auth import permissions
from portal.conduct_warnings.models import ConductWarning
from portal.customers.models import AccessRefusal, Alert, ContactChannel, ContactLogEntry, Customer
from portal.incidents.models import Incident
from portal.incidents.queries import _like
from portal.timeutil import from_london, london_date

CONTACT_PERIODS = (7, 30, 90, 365)


def find_customers(q: str, limit: int = 25) -> tuple[list[Customer], dict[int, int]]:
    """Customers matching a name or reference, with a count of active alerts for each."""
    q = q.strip()[:100]
    stmt = select(Customer).order_by(Customer.surname, Customer.forename, Customer.id).limit(limit)
    if q:
        like = _like(q.lower())
        stmt = stmt.where(
            or_(
                func.lower(Customer.forename + " " + Customer.surname).like(like, escape="\\"),
                func.lower(Customer.reference).like(like, escape="\\"),
            )
        )
    customers = list(db.session.scalars(stmt))
    ids = [c.id for c in customers]
    alerts = (
        dict(
            db.session.execute(
                select(Alert.customer_id, func.count(Alert.id))
                .where(Alert.customer_id.in_(ids), Alert.ended_at.is_(None))
                .group_by(Alert.customer_id)
            ).all()
        )
        if ids
        else {}
    )
    return customers, alerts


@dataclass
class ContactCounts:
    periods: tuple[int, ...]
    by_channel: dict[ContactChannel, list[int]]
    call_minutes: list[int]
    totals: list[int]


def contact_counts(customer_id: int, now: datetime) -> ContactCounts:
    """Contacts by channel over the last 7, 30, 90 and 365 days, in one query (§6.5)."""
    columns = []
    for days in CONTACT_PERIODS:
        since = now - timedelta(days=days)
        columns.append(func.sum(case((ContactLogEntry.occurred_at >= since, 1), else_=0)))
        columns.append(
            func.sum(
                case(
                    (ContactLogEntry.occurred_at >= since, ContactLogEntry.duration_minutes),
                    else_=0,
                )
            )
        )
    rows = db.session.execute(
        select(ContactLogEntry.channel, *columns)
        .where(ContactLogEntry.customer_id == customer_id)
        .group_by(ContactLogEntry.channel)
    ).all()
    by_channel = {channel: [0] * len(CONTACT_PERIODS) for channel in ContactChannel}
    minutes = [0] * len(CONTACT_PERIODS)
    for row in rows:
        values = list(row[1:])
        by_channel[row[0]] = [int(values[i * 2] or 0) for i in range(len(CONTACT_PERIODS))]
        for i in range(len(CONTACT_PERIODS)):
            minutes[i] += int(values[i * 2 + 1] or 0)
    totals = [sum(counts[i] for counts in by_channel.values()) for i in range(len(CONTACT_PERIODS))]
    return ContactCounts(CONTACT_PERIODS, by_channel, minutes, totals)


@dataclass
class TimelineItem:
    at: datetime | date  # shown: a date where only the day is known
    kind: str
    title: str  # or a lazy translation
    detail: str
    link: str = ""  # only where the person reading the record may open it
    moment: datetime | None = None  # where it sorts (UTC); ``at`` itself when a time is known
    ident: int = 0  # the row's id: the order of two events at the same moment
    by: str = ""
    reason: str = ""


@dataclass
class CustomerRecord:
    customer: Customer
    alerts: list[Alert]  # in force: the flags every colleague sees
    warnings: list[ConductWarning]
    incidents: list[Incident]
    contacts: list[ContactLogEntry]
    refusals: list[AccessRefusal]
    counts: ContactCounts
    ended_alerts: list[Alert] = field(default_factory=list)  # with the history only
    end_reasons: dict[int, str] = field(default_factory=dict)  # alert id -> why it ended


def customer_record(customer: Customer, now: datetime, with_history: bool) -> CustomerRecord:
    """Everything on the customer's record, in a fixed number of queries."""
    all_alerts = list(
        db.session.scalars(
            select(Alert)
            .options(joinedload(Alert.raised_by), joinedload(Alert.ended_by))
            .where(
                Alert.customer_id == customer.id,
                Alert.ended_at.is_(None) if not with_history else true(),
            )
            .order_by(Alert.raised_at.desc(), Alert.id.desc())
        )
    )
    alerts = [a for a in all_alerts if a.active]
    ended_alerts = [a for a in all_alerts if not a.active]
    contacts = list(
        db.session.scalars(
            select(ContactLogEntry)
            .where(ContactLogEntry.customer_id == customer.id)
            .order_by(ContactLogEntry.occurred_at.desc(), ContactLogEntry.id.desc())
            .limit(20)
        )
    )
    refusals = list(
        db.session.scalars(
            select(AccessRefusal)
            .where(AccessRefusal.customer_id == customer.id)
            .order_by(AccessRefusal.refused_on.desc(), AccessRefusal.id.desc())
        )
    )
    warnings: list[ConductWarning] = []
    incidents: list[Incident] = []
    if with_history:
        warnings = list(
            db.session.scalars(
                select(ConductWarning)
                .where(ConductWarning.customer_id == customer.id)
                .order_by(ConductWarning.issued_at.desc(), ConductWarning.id.desc())
            )
        )
        incidents = list(
            db.session.scalars(
                select(Incident)
                .where(Incident.customer_id == customer.id)
                .order_by(Incident.occurred_at.desc(), Incident.id.desc())
            )
        )
    return CustomerRecord(
        customer,
        alerts,
        warnings,
        incidents,
        contacts,
        refusals,
        contact_counts(customer.id, now),
        ended_alerts,
        _end_reasons(customer.id) if ended_alerts else {},
    )


def _end_reasons(customer_id: int) -> dict[int, str]:
    """Why each of the customer's alerts ended, as its audit entry keeps it (one query)."""
    rows = db.session.scalars(
        select(AuditEvent.after).where(
            AuditEvent.entity_type == "customer",
            AuditEvent.entity_id == customer_id,
            AuditEvent.action == "alert.ended",
        )
    )
    return {
        after["alert_id"]: after.get("reason", "")
        for after in rows
        if isinstance(after, dict) and "alert_id" in after
    }


def timeline(record: CustomerRecord, viewer) -> list[TimelineItem]:
    """Merge the record's events, newest first by the moment each happened (the row's id
    breaks a tie); an incident or a warning letter is a link only for a ``viewer`` who may
    open it (the same permissions the incident and letter pages check)."""
    items: list[TimelineItem] = []
    letters = warnings_with_readable_letters(record, viewer)
    for incident in record.incidents:
        items.append(
            TimelineItem(
                incident.occurred_at,
                "incident",
                f"Incident {incident.reference}",
                ", ".join(str(c.title) for c in incident.categories),
                f"/staff/incidents/{incident.id}" if may_open(viewer, incident) else "",
                ident=incident.id,
            )
        )
    for warning in record.warnings:
        items.append(
            TimelineItem(
                warning.issued_at,
                "warning",
                str(warning.stage.title),
                f"Counts until {warning.lapses_on:%-d %B %Y}",
                f"/staff/letters/{warning.letter_id}" if warning.id in letters else "",
                ident=warning.id,
            )
        )
    for alert in [*record.alerts, *record.ended_alerts]:
        items.append(
            TimelineItem(
                alert.raised_at,
                "alert",
                _l("Health and safety alert raised"),
                alert.summary,
                ident=alert.id,
                by=alert.raised_by.name,
            )
        )
    for alert in record.ended_alerts:
        items.append(
            TimelineItem(
                alert.ended_at,
                "alert_ended",
                _l("Health and safety alert ended"),
                alert.summary,
                ident=alert.id,
                by=alert.ended_by.name if alert.ended_by else "",
                reason=record.end_reasons.get(alert.id, ""),
            )
        )
    for refusal in record.refusals:
        # Only the day is known; a refusal recorded that day sorts at the moment it was.
        start = from_london(refusal.refused_on)
        recorded = refusal.recorded_at
        moment = recorded if london_date(recorded) == refusal.refused_on else start
        items.append(
            TimelineItem(
                refusal.refused_on,
                "refusal",
                str(refusal.works_type.title),
                refusal.works_description,
                moment=moment,
                ident=refusal.id,
            )
        )

    def key(item: TimelineItem):
        return (item.moment or item.at, item.ident, item.kind == "alert_ended")

    return sorted(items, key=key, reverse=True)


def may_open(viewer, incident: Incident | None) -> bool:
    """Whether ``viewer`` may open this incident, and so the warning letter about it."""
    return incident is not None and permissions.can_view_incident(viewer, incident)


def warnings_with_readable_letters(record: CustomerRecord, viewer) -> set[int]:
    """Ids of the warnings whose letter ``viewer`` may read: a warning letter is shared
    exactly as its incident is (portal/staff/letters.py), so the CSM reads §8.4 ones only."""
    by_id = {incident.id: incident for incident in record.incidents}
    return {w.id for w in record.warnings if may_open(viewer, by_id.get(w.incident_id))}


def is_warning_live(warning: ConductWarning, today: date) -> bool:
    return warning.live_on(today)
