"""What the Panel queue reads: one page of the reports awaiting review, and how many wait."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, load_only

from portal import db
from portal.auth.models import User
from portal.customers.models import Customer
from portal.incidents.models import Incident, IncidentStatus, Route
from portal.paging import Page

QUEUE_PAGE_SIZE = 50


@dataclass
class QueuePage:
    incidents: list[Incident]
    page: Page


def panel_queue_page(limit_to_asb: bool, asked: int, size: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """One page of the reports awaiting review, earliest due (so overdue) first, and the count
    of all waiting: two statements however many wait.

    Only the columns the queue shows are loaded, so a page costs the same whatever the
    reports' descriptions and evidence hold.
    """
    waiting = Incident.status == IncidentStatus.AWAITING_REVIEW
    where = [waiting, Incident.route == Route.ASB] if limit_to_asb else [waiting]
    total = db.session.scalar(select(func.count(Incident.id)).where(*where)) or 0
    page = Page.of(asked, size, total)
    if not total:
        return QueuePage([], page)
    stmt = (
        select(Incident)
        .join(Incident.customer)
        .options(
            load_only(
                Incident.reference,
                Incident.customer_id,
                Incident.reported_by_id,
                Incident.reported_at,
                Incident.review_due_on,
                Incident.route,
                Incident.status,
                Incident.serious,
            ),
            contains_eager(Incident.customer).load_only(
                Customer.forename, Customer.surname, Customer.customer_type
            ),
            joinedload(Incident.reported_by).load_only(User.name).lazyload(User.line_manager),
        )
        .where(*where)
        .order_by(Incident.review_due_on, Incident.reported_at, Incident.id)
        .limit(page.size)
        .offset(page.offset)
    )
    return QueuePage(list(db.session.scalars(stmt).unique()), page)
