"""Read-only queries for finding customers and building the customer record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased, joinedload, lazyload, load_only

from portal import db, search
from portal.audit.models import AuditEvent
from portal.auth import permissions
from portal.auth.models import User
from portal.conduct_warnings.models import ConductWarning
from portal.customers.models import AccessRefusal, Alert, ContactChannel, ContactLogEntry, Customer
from portal.incidents.models import Incident
from portal.paging import Page
from portal.timeutil import from_london, london_date

CONTACT_PERIODS = (7, 30, 90, 365)


def find_customers(q: str, limit: int = 25) -> tuple[list[Customer], dict[int, int]]:
    """Customers whose name or reference contains ``q``, with a count of active alerts for
    each; with no ``q``, the first customers by name. A ``q`` too short to look up in the
    search index (``portal.search.too_short``) finds no one."""
    if search.too_short(q):
        return [], {}
    found = Customer
    if search.term(q):
        # The matches are looked up first and only they are sorted: walking every customer in
        # name order for the first 25 that match reads most of them when the matches sort late.
        matched = select(Customer).where(search.customer_match(q)).cte("matched")
        found = aliased(Customer, matched.prefix_with("MATERIALIZED"))
    stmt = select(found).order_by(found.surname, found.forename, found.id).limit(limit)
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


LIST_PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 25


@dataclass
class RecordPages:
    """The page of each list on the record the address asks for (1 is the newest)."""

    warnings: int = 1
    history: int = 1
    contacts: int = 1
    refusals: int = 1


@dataclass
class CustomerRecord:
    customer: Customer
    alerts: list[Alert]  # in force: the flags every colleague sees, all of them
    warnings: list[ConductWarning]  # the page of the warnings table
    incidents: list[Incident]  # the newest, enough to fill the history's page
    contacts: list[ContactLogEntry]  # the page of the contact log
    refusals: list[AccessRefusal]  # the page of the refusals list
    counts: ContactCounts
    ended_alerts: list[Alert] = field(default_factory=list)  # with the history only
    end_reasons: dict[int, str] = field(default_factory=dict)  # alert id -> why it ended
    pages: dict[str, Page] = field(default_factory=dict)  # each list's page and total
    raised_alerts: list[Alert] = field(default_factory=list)  # the history's alerts raised
    history_warnings: list[ConductWarning] = field(default_factory=list)
    history_refusals: list[AccessRefusal] = field(default_factory=list)
    incident_of: dict[int, Incident] = field(default_factory=dict)  # warning id -> incident


def _totals(customer_id: int, with_history: bool) -> dict[str, int]:
    """How many rows each list on the record has, in one statement."""

    def count(model, *where):
        return (
            select(func.count(model.id))
            .where(model.customer_id == customer_id, *where)
            .scalar_subquery()
        )

    columns = {
        "contacts": count(ContactLogEntry),
        "refusals": count(AccessRefusal),
    }
    if with_history:
        columns |= {
            "warnings": count(ConductWarning),
            "incidents": count(Incident),
            "alerts": count(Alert),
            "ended_alerts": count(Alert, Alert.ended_at.is_not(None)),
        }
    row = db.session.execute(select(*columns.values())).one()
    return {name: int(value or 0) for name, value in zip(columns, row, strict=True)}


def _name_of(person):
    """Load the member of staff on ``person`` with their name only (not roles or manager)."""
    return joinedload(person).options(
        load_only(User.name), lazyload(User.role_links), lazyload(User.line_manager)
    )


def _newest(stmt, *order, limit: int, offset: int = 0) -> list:
    return list(db.session.scalars(stmt.order_by(*order).limit(limit).offset(offset)).unique())


def _warnings_with_incidents(customer_id: int, limit: int, offset: int = 0):
    """The customer's warnings, newest first, each with the facts about its incident that say
    who may read its letter."""
    stmt = (
        select(ConductWarning, Incident)
        .join(Incident, Incident.id == ConductWarning.incident_id)
        .options(
            load_only(Incident.route, Incident.reported_by_id, Incident.line_manager_id),
            lazyload(Incident.category_links),
        )
        .where(ConductWarning.customer_id == customer_id)
        .order_by(ConductWarning.issued_at.desc(), ConductWarning.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return db.session.execute(stmt).all()


def customer_record(
    customer: Customer, now: datetime, with_history: bool, asked: RecordPages | None = None
) -> CustomerRecord:
    """The customer's record, a page of each list at a time, in a fixed number of queries.

    Every alert in force is loaded (colleagues must see them all). The history merges the
    newest incidents, warnings, alerts and refusals: for its page ``n`` each kind is read only
    as far as the first ``n`` pages could reach.
    """
    asked = asked or RecordPages()
    totals = _totals(customer.id, with_history)
    pages = {
        "contacts": Page.of(asked.contacts, LIST_PAGE_SIZE, totals["contacts"]),
        "refusals": Page.of(asked.refusals, LIST_PAGE_SIZE, totals["refusals"]),
    }
    alerts = list(
        db.session.scalars(
            select(Alert)
            .options(_name_of(Alert.raised_by))
            .where(Alert.customer_id == customer.id, Alert.ended_at.is_(None))
            .order_by(Alert.raised_at.desc(), Alert.id.desc())
        )
    )
    contacts = _newest(
        select(ContactLogEntry).where(ContactLogEntry.customer_id == customer.id),
        ContactLogEntry.occurred_at.desc(),
        ContactLogEntry.id.desc(),
        limit=LIST_PAGE_SIZE,
        offset=pages["contacts"].offset,
    )
    refusals_stmt = select(AccessRefusal).where(AccessRefusal.customer_id == customer.id)
    by_day = (AccessRefusal.refused_on.desc(), AccessRefusal.id.desc())
    refusals = (
        _newest(refusals_stmt, *by_day, limit=LIST_PAGE_SIZE, offset=pages["refusals"].offset)
        if totals["refusals"]
        else []
    )
    record = CustomerRecord(
        customer, alerts, [], [], contacts, refusals, contact_counts(customer.id, now)
    )
    record.pages = pages
    if with_history:
        _add_history(record, asked, totals)
    return record


def _add_history(record: CustomerRecord, asked: RecordPages, totals: dict[str, int]) -> None:
    """The warnings table's page and the newest rows of each kind the history's page needs."""
    customer_id = record.customer.id
    events = sum(totals[k] for k in ("incidents", "warnings", "refusals", "alerts"))
    pages = record.pages
    pages["warnings"] = Page.of(asked.warnings, LIST_PAGE_SIZE, totals["warnings"])
    pages["history"] = Page.of(asked.history, HISTORY_PAGE_SIZE, events + totals["ended_alerts"])
    reach = pages["history"].number * HISTORY_PAGE_SIZE
    if totals["incidents"]:
        record.incidents = _newest(
            select(Incident).where(Incident.customer_id == customer_id),
            Incident.occurred_at.desc(),
            Incident.id.desc(),
            limit=reach,
        )
    if totals["warnings"]:
        shown = _warnings_with_incidents(customer_id, LIST_PAGE_SIZE, pages["warnings"].offset)
        history = _warnings_with_incidents(customer_id, reach)
        record.warnings = [w for w, _i in shown]
        record.history_warnings = [w for w, _i in history]
        record.incident_of = {w.id: i for w, i in (*shown, *history)}
    mine = (
        select(Alert)
        .options(_name_of(Alert.raised_by), _name_of(Alert.ended_by))
        .where(Alert.customer_id == customer_id)
    )
    if totals["alerts"]:
        record.raised_alerts = _newest(mine, Alert.raised_at.desc(), Alert.id.desc(), limit=reach)
    if totals["ended_alerts"]:
        record.ended_alerts = _newest(
            mine.where(Alert.ended_at.is_not(None)),
            Alert.ended_at.desc(),
            Alert.id.desc(),
            limit=reach,
        )
        record.end_reasons = _end_reasons(customer_id)
    if totals["refusals"]:
        # A refusal sorts by the moment it happened on its day: the whole of the last day
        # reached is read, so the day's order is settled here, not by the database.
        last_day = (
            select(AccessRefusal.refused_on)
            .where(AccessRefusal.customer_id == customer_id)
            .order_by(AccessRefusal.refused_on.desc())
            .offset(reach - 1)
            .limit(1)
            .scalar_subquery()
        )
        record.history_refusals = list(
            db.session.scalars(
                select(AccessRefusal)
                .where(
                    AccessRefusal.customer_id == customer_id,
                    AccessRefusal.refused_on >= func.coalesce(last_day, date(1900, 1, 1)),
                )
                .order_by(AccessRefusal.refused_on.desc(), AccessRefusal.id.desc())
            )
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
    for warning in record.history_warnings:
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
    for alert in record.raised_alerts:
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
    for refusal in record.history_refusals:
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

    page = record.pages.get("history")
    newest = sorted(items, key=key, reverse=True)
    return newest[page.offset : page.offset + page.size] if page else newest


def may_open(viewer, incident: Incident | None) -> bool:
    """Whether ``viewer`` may open this incident, and so the warning letter about it."""
    return incident is not None and permissions.can_view_incident(viewer, incident)


def warnings_with_readable_letters(record: CustomerRecord, viewer) -> set[int]:
    """Ids of the warnings whose letter ``viewer`` may read: a warning letter is shared
    exactly as its incident is (portal/staff/letters.py), so the CSM reads §8.4 ones only."""
    return {wid for wid, incident in record.incident_of.items() if may_open(viewer, incident)}


def is_warning_live(warning: ConductWarning, today: date) -> bool:
    return warning.live_on(today)
