"""Read-only queries for finding customers and building the customer record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, case, func, or_, select, true
from sqlalchemy.orm import aliased, joinedload, lazyload, load_only

from portal import db, search
from portal.arrangements.models import Arrangement
from portal.auth.models import User
from portal.conduct_warnings.models import ConductWarning
from portal.correspondence.models import Correspondence
from portal.customers.models import (
    ANONYMISED_REFERENCE,
    AccessRefusal,
    Alert,
    ContactChannel,
    ContactLogEntry,
    Customer,
    CustomerRepresentative,
)
from portal.customers.timeline import end_reasons
from portal.incidents.models import Incident, IncidentCategory, Route
from portal.paging import Page
from portal.restrictions.models import Restriction, RestrictionRequest

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
    stmt = (
        select(found)
        .where(found.reference != ANONYMISED_REFERENCE)
        .order_by(found.surname, found.forename, found.id)
        .limit(limit)
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
class HistoryIncident:
    """An incident as the history shows it: read as plain columns (the page changes nothing),
    with what :func:`portal.auth.permissions.can_view_incident` asks of an incident."""

    id: int
    reference: str
    occurred_at: datetime
    route: Route
    reported_by_id: int
    line_manager_id: int
    categories: list = field(default_factory=list)

    @property
    def route_is_asb(self) -> bool:
        return self.route == Route.ASB


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
    incidents: list[HistoryIncident]  # the newest, enough to fill the history's page
    contacts: list  # the page of the contact log: rows of the columns it shows
    refusals: list[AccessRefusal]  # the page of the refusals list
    counts: ContactCounts
    ended_alerts: list[Alert] = field(default_factory=list)  # with the history only
    end_reasons: dict[int, str] = field(default_factory=dict)  # alert id -> why it ended
    pages: dict[str, Page] = field(default_factory=dict)  # each list's page and total
    raised_alerts: list[Alert] = field(default_factory=list)  # the history's alerts raised
    history_warnings: list[ConductWarning] = field(default_factory=list)
    history_refusals: list[AccessRefusal] = field(default_factory=list)
    incident_of: dict[int, Incident] = field(default_factory=dict)  # warning id -> incident
    totals: dict[str, int] = field(default_factory=dict)  # how many rows of each kind


CUSTOMER = bindparam("customer_id")
REACH = bindparam("reach")  # how many of a kind the history's page may need


def _count(model, *where):
    return select(func.count(model.id)).where(model.customer_id == CUSTOMER, *where)


@cache
def _totals_statement(with_history: bool):
    """How many rows each list on the record has, with the contact log's counts by channel
    and period (§6.5), in one statement (built once; ``since_<n>`` starts each period)."""
    columns = {
        "refusals": _count(AccessRefusal).scalar_subquery(),
        "alerts": _count(Alert).scalar_subquery(),
        # Representatives and advocates (portal/customers/representatives.py): read if any.
        "representatives": _count(CustomerRepresentative).scalar_subquery(),
        # Restrictions, arrangements, requests to restrict and correspondence: with none, the
        # record has no contact rules to read (most customers).
        "contact_rules": sum(
            (
                _count(model).scalar_subquery()
                for model in (Arrangement, Correspondence, RestrictionRequest)
            ),
            _count(Restriction).scalar_subquery(),
        ),
    }
    if with_history:
        columns |= {
            "warnings": _count(ConductWarning).scalar_subquery(),
            "incidents": _count(Incident).scalar_subquery(),
            "ended_alerts": _count(Alert, Alert.ended_at.is_not(None)).scalar_subquery(),
        }
    entry = ContactLogEntry
    since = [bindparam(f"since_{i}", type_=entry.occurred_at.type) for i in CONTACT_PERIODS]
    sums = [
        func.sum(case((and_(entry.channel == channel, entry.occurred_at >= start), 1), else_=0))
        for channel in ContactChannel
        for start in since
    ] + [
        func.sum(case((entry.occurred_at >= start, entry.duration_minutes), else_=0))
        for start in since
    ]
    contacts = select(func.count(entry.id), *sums).where(entry.customer_id == CUSTOMER).subquery()
    # With the customer: the record's first statement reads who it is about too.
    found = (
        select(Customer, *columns.values(), *contacts.c)
        .join_from(Customer, contacts, true())  # one row of sums beside the customer
        .where(Customer.id == CUSTOMER)
    )
    return list(columns), found


@dataclass
class RecordTotals:
    """How many rows each list on the record has, and the contact log's counts (§6.5)."""

    rows: dict[str, int]
    counts: ContactCounts


def customer_with_totals(
    customer_id: int, now: datetime, with_history: bool
) -> tuple[Customer, RecordTotals] | None:
    """The customer, and how many rows each list on their record has, in one statement;
    None when there is no such customer."""
    names, stmt = _totals_statement(with_history)
    since = {f"since_{days}": now - timedelta(days=days) for days in CONTACT_PERIODS}
    row = db.session.execute(stmt, {"customer_id": customer_id, **since}).first()
    if row is None:
        return None
    customer, *row = row
    totals = {name: int(value or 0) for name, value in zip(names, row, strict=False)}
    values = [int(value or 0) for value in row[len(names) :]]
    totals["contacts"] = values[0]
    periods = len(CONTACT_PERIODS)
    by_channel = {
        channel: values[1 + k * periods : 1 + (k + 1) * periods]
        for k, channel in enumerate(ContactChannel)
    }
    minutes = values[1 + len(ContactChannel) * periods :]
    counted = [sum(counts[i] for counts in by_channel.values()) for i in range(periods)]
    return customer, RecordTotals(
        totals, ContactCounts(CONTACT_PERIODS, by_channel, minutes, counted)
    )


def _name_of(person):
    """Load the member of staff on ``person`` with their name only (not roles or manager)."""
    return joinedload(person).options(
        load_only(User.name), lazyload(User.role_links), lazyload(User.line_manager)
    )


def _newest(stmt, *order, limit: int, offset: int = 0) -> list:
    return list(db.session.scalars(stmt.order_by(*order).limit(limit).offset(offset)).unique())


@cache
def _statements() -> dict:
    """The record's other statements, built once; each is sent with its customer and sizes."""
    alert = (
        select(Alert)
        .options(_name_of(Alert.raised_by), _name_of(Alert.ended_by))
        .where(Alert.customer_id == CUSTOMER)
        .order_by(Alert.raised_at.desc(), Alert.id.desc())
    )

    def newest_alerts(*where, order):
        return select(Alert.id).where(Alert.customer_id == CUSTOMER, *where).order_by(*order)

    raised = newest_alerts(order=(Alert.raised_at.desc(), Alert.id.desc())).limit(REACH)
    ended = newest_alerts(
        Alert.ended_at.is_not(None), order=(Alert.ended_at.desc(), Alert.id.desc())
    ).limit(REACH)
    newest = (
        select(
            Incident.id,
            Incident.reference,
            Incident.occurred_at,
            Incident.route,
            Incident.reported_by_id,
            Incident.line_manager_id,
        )
        .where(Incident.customer_id == CUSTOMER)
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
        .limit(REACH)
        .subquery()
    )
    return {
        "in_force": alert.where(Alert.ended_at.is_(None)),
        # Those in force, and the newest raised and ended the history's page may need.
        "alerts": alert.where(
            or_(Alert.ended_at.is_(None), Alert.id.in_(raised), Alert.id.in_(ended))
        ),
        # The columns the log shows, as rows: nothing on the page changes them.
        "contacts": select(
            ContactLogEntry.id,
            ContactLogEntry.channel,
            ContactLogEntry.inbound,
            ContactLogEntry.occurred_at,
            ContactLogEntry.duration_minutes,
            ContactLogEntry.summary,
        )
        .where(ContactLogEntry.customer_id == CUSTOMER)
        .order_by(ContactLogEntry.occurred_at.desc(), ContactLogEntry.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset")),
        # With their categories, and what says who may open them, in one statement.
        "incidents": select(newest, IncidentCategory.category)
        .outerjoin(IncidentCategory, IncidentCategory.incident_id == newest.c.id)
        .order_by(newest.c.occurred_at.desc(), newest.c.id.desc(), IncidentCategory.id),
        "warnings": select(ConductWarning, Incident)
        .join(Incident, Incident.id == ConductWarning.incident_id)
        .options(
            load_only(Incident.route, Incident.reported_by_id, Incident.line_manager_id),
            lazyload(Incident.category_links),
        )
        .where(ConductWarning.customer_id == CUSTOMER)
        .order_by(ConductWarning.issued_at.desc(), ConductWarning.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset")),
    }


def _warnings_with_incidents(customer_id: int, limit: int, offset: int = 0):
    """The customer's warnings, newest first, each with the facts about its incident that say
    who may read its letter."""
    return db.session.execute(
        _statements()["warnings"],
        {"customer_id": customer_id, "limit": limit, "offset": offset},
    ).all()


def customer_record(
    customer: Customer,
    now: datetime,
    with_history: bool,
    asked: RecordPages | None = None,
    totals: RecordTotals | None = None,
) -> CustomerRecord:
    """The customer's record, a page of each list at a time, in a fixed number of queries.

    Every alert in force is loaded (colleagues must see them all). The history merges the
    newest incidents, warnings, alerts and refusals: for its page ``n`` each kind is read only
    as far as the first ``n`` pages could reach. ``totals``, when given, are
    :func:`customer_with_totals`'s for the same ``now`` and ``with_history``.
    """
    asked = asked or RecordPages()
    if totals is None:
        _customer, totals = customer_with_totals(customer.id, now, with_history)
    totals, counts = totals.rows, totals.counts
    pages = {
        "contacts": Page.of(asked.contacts, LIST_PAGE_SIZE, totals["contacts"]),
        "refusals": Page.of(asked.refusals, LIST_PAGE_SIZE, totals["refusals"]),
    }
    statements = _statements()
    shown = {"customer_id": customer.id, "limit": LIST_PAGE_SIZE}
    contacts = (
        db.session.execute(
            statements["contacts"], {**shown, "offset": pages["contacts"].offset}
        ).all()
        if totals["contacts"]
        else []
    )
    record = CustomerRecord(customer, [], [], [], contacts, [], counts)
    record.pages = pages
    record.totals = totals
    if with_history:
        _add_history(record, asked, totals)  # with the alerts in force and the refusals' page
        return record
    if totals["alerts"]:
        in_force = statements["in_force"]
        record.alerts = list(db.session.scalars(in_force, {"customer_id": customer.id}).unique())
    if totals["refusals"]:
        refusals_stmt = select(AccessRefusal).where(AccessRefusal.customer_id == customer.id)
        by_day = (AccessRefusal.refused_on.desc(), AccessRefusal.id.desc())
        record.refusals = _newest(
            refusals_stmt, *by_day, limit=LIST_PAGE_SIZE, offset=pages["refusals"].offset
        )
    return record


def _add_history(record: CustomerRecord, asked: RecordPages, totals: dict[str, int]) -> None:
    """The warnings table's page, the alerts in force and the newest rows of each kind the
    history's page needs."""
    customer_id = record.customer.id
    events = sum(totals[k] for k in ("incidents", "warnings", "refusals", "alerts"))
    pages = record.pages
    pages["warnings"] = Page.of(asked.warnings, LIST_PAGE_SIZE, totals["warnings"])
    pages["history"] = Page.of(asked.history, HISTORY_PAGE_SIZE, events + totals["ended_alerts"])
    reach = pages["history"].number * HISTORY_PAGE_SIZE
    statements = _statements()
    needs = {"customer_id": customer_id, "reach": reach}
    if totals["incidents"]:
        record.incidents = _history_incidents(db.session.execute(statements["incidents"], needs))
    if totals["warnings"]:
        # The table's page and the history's warnings, read together: as deep as either goes.
        start = pages["warnings"].offset
        rows = _warnings_with_incidents(customer_id, max(start + LIST_PAGE_SIZE, reach))
        shown, history = rows[start : start + LIST_PAGE_SIZE], rows[:reach]
        record.warnings = [w for w, _i in shown]
        record.history_warnings = [w for w, _i in history]
        record.incident_of = {w.id: i for w, i in rows}
    if totals["alerts"]:
        alerts = list(db.session.scalars(statements["alerts"], needs).unique())
        record.alerts = [a for a in alerts if a.ended_at is None]
        record.raised_alerts = alerts[:reach]
        ended = [a for a in alerts if a.ended_at is not None]
        ended.sort(key=lambda a: (a.ended_at, a.id), reverse=True)
        record.ended_alerts = ended[:reach]
    if totals["ended_alerts"]:
        record.end_reasons = end_reasons(customer_id)
    if totals["refusals"]:
        # A refusal sorts by the moment it happened on its day: the whole of the last day
        # reached is read, so the day's order is settled here, not by the database. The read
        # goes as deep as the refusals list's page too, which it then holds in the list's order.
        page = pages["refusals"]
        depth = max(reach, page.offset + LIST_PAGE_SIZE)
        last_day = (
            select(AccessRefusal.refused_on)
            .where(AccessRefusal.customer_id == customer_id)
            .order_by(AccessRefusal.refused_on.desc())
            .offset(depth - 1)
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
        record.refusals = record.history_refusals[page.offset : page.offset + LIST_PAGE_SIZE]


def _history_incidents(rows) -> list[HistoryIncident]:
    """One :class:`HistoryIncident` for each incident in ``rows`` (one row a category)."""
    incidents: dict[int, HistoryIncident] = {}
    for *columns, category in rows:
        incident = incidents.get(columns[0])
        if incident is None:
            incident = incidents[columns[0]] = HistoryIncident(*columns)
        if category is not None:
            incident.categories.append(category)
    return list(incidents.values())
