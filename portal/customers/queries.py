"""Read-only queries for finding customers and building the customer record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from portal import db
from portal.conduct_warnings.models import ConductWarning
from portal.customers.models import AccessRefusal, Alert, ContactChannel, ContactLogEntry, Customer
from portal.incidents.models import Incident
from portal.incidents.queries import _like

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
    at: datetime | date
    kind: str
    title: str
    detail: str
    link: str = ""


@dataclass
class CustomerRecord:
    customer: Customer
    alerts: list[Alert]
    warnings: list[ConductWarning]
    incidents: list[Incident]
    contacts: list[ContactLogEntry]
    refusals: list[AccessRefusal]
    counts: ContactCounts


def customer_record(customer: Customer, now: datetime, with_history: bool) -> CustomerRecord:
    """Everything on the customer's record, in a fixed number of queries."""
    alerts = list(
        db.session.scalars(
            select(Alert)
            .options(joinedload(Alert.raised_by))
            .where(Alert.customer_id == customer.id, Alert.ended_at.is_(None))
            .order_by(Alert.raised_at.desc())
        )
    )
    contacts = list(
        db.session.scalars(
            select(ContactLogEntry)
            .where(ContactLogEntry.customer_id == customer.id)
            .order_by(ContactLogEntry.occurred_at.desc())
            .limit(20)
        )
    )
    refusals = list(
        db.session.scalars(
            select(AccessRefusal)
            .where(AccessRefusal.customer_id == customer.id)
            .order_by(AccessRefusal.refused_on.desc())
        )
    )
    warnings: list[ConductWarning] = []
    incidents: list[Incident] = []
    if with_history:
        warnings = list(
            db.session.scalars(
                select(ConductWarning)
                .where(ConductWarning.customer_id == customer.id)
                .order_by(ConductWarning.issued_on.desc())
            )
        )
        incidents = list(
            db.session.scalars(
                select(Incident)
                .where(Incident.customer_id == customer.id)
                .order_by(Incident.occurred_at.desc())
            )
        )
    return CustomerRecord(
        customer, alerts, warnings, incidents, contacts, refusals, contact_counts(customer.id, now)
    )


def timeline(record: CustomerRecord) -> list[TimelineItem]:
    """Merge the record's events, newest first."""
    items: list[TimelineItem] = []
    for incident in record.incidents:
        items.append(
            TimelineItem(
                incident.occurred_at,
                "incident",
                f"Incident {incident.reference}",
                ", ".join(str(c.title) for c in incident.categories),
                f"/staff/incidents/{incident.id}",
            )
        )
    for warning in record.warnings:
        items.append(
            TimelineItem(
                warning.issued_at,
                "warning",
                str(warning.stage.title),
                f"Counts until {warning.lapses_on:%-d %B %Y}",
                f"/staff/letters/{warning.letter_id}",
            )
        )
    for alert in record.alerts:
        items.append(
            TimelineItem(alert.raised_at, "alert", "Health and safety alert raised", alert.summary)
        )
    for refusal in record.refusals:
        items.append(
            TimelineItem(
                refusal.refused_on,
                "refusal",
                str(refusal.works_type.title),
                refusal.works_description,
            )
        )

    def key(item: TimelineItem):
        value = item.at
        return value.date() if isinstance(value, datetime) else value

    return sorted(items, key=key, reverse=True)


def is_warning_live(warning: ConductWarning, today: date) -> bool:
    return warning.live_on(today)
