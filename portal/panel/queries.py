"""What the Panel queue reads: one page of the reports awaiting review, and how many wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from portal import db
from portal.auth.models import User
from portal.customers.models import Customer, CustomerType
from portal.incidents.models import Incident, IncidentStatus, Route
from portal.paging import Page

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What the queue shows of one waiting report."""

    id: int
    reference: str
    serious: bool
    reported_at: datetime
    review_due_on: date
    customer_name: str
    customer_type: CustomerType
    reported_by_name: str


@dataclass
class QueuePage:
    incidents: list[QueueRow]
    page: Page


def panel_queue_page(limit_to_asb: bool, asked: int, size: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """One page of the reports awaiting review, earliest due (so overdue) first, and the count
    of all waiting: two statements however many wait.

    Only the columns the queue shows are read, as plain rows, so a page costs the same whatever
    the reports' descriptions and evidence hold.
    """
    waiting = Incident.status == IncidentStatus.AWAITING_REVIEW
    where = [waiting, Incident.route == Route.ASB] if limit_to_asb else [waiting]
    total = db.session.scalar(select(func.count(Incident.id)).where(*where)) or 0
    page = Page.of(asked, size, total)
    if not total:
        return QueuePage([], page)
    stmt = (
        select(
            Incident.id,
            Incident.reference,
            Incident.serious,
            Incident.reported_at,
            Incident.review_due_on,
            Customer.forename,
            Customer.surname,
            Customer.customer_type,
            User.name,
        )
        .join(Customer, Customer.id == Incident.customer_id)
        .join(User, User.id == Incident.reported_by_id)
        .where(*where)
        .order_by(Incident.review_due_on, Incident.reported_at, Incident.id)
        .limit(page.size)
        .offset(page.offset)
    )
    rows = [
        QueueRow(id_, ref, serious, at, due, f"{forename} {surname}", kind, by)
        for id_, ref, serious, at, due, forename, surname, kind, by in db.session.execute(stmt)
    ]
    return QueuePage(rows, page)
