"""What the assessments list reads: a page of the open assessments (earliest due first), a
page of the completed ones (latest first), and the restriction requests still waiting with an
assessment not yet complete. A fixed number of statements, however many there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal import db
from portal.auth.models import User
from portal.customers.models import Customer
from portal.impact.models import AssessmentOutcome, AssessmentStatus, ImpactAssessment
from portal.incidents.models import Incident
from portal.paging import Page
from portal.restrictions.models import EiaOutcome, RequestStatus, RestrictionRequest

PAGE_SIZE = 50
# Restriction requests are few at any time; the list shows this many, and says how many more.
REQUESTS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    id: int
    incident_id: int
    reference: str
    customer_name: str
    due_on: date
    assigned_to: str | None
    outcome: AssessmentOutcome | None
    completed_at: datetime | None
    completed_by: str | None


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    reference: str
    customer_name: str
    requested_at: datetime
    status: RequestStatus


@dataclass
class AssessmentsPage:
    rows: list[AssessmentRow]
    page: Page


def _page(status: AssessmentStatus, asked: int, size: int) -> AssessmentsPage:
    where = ImpactAssessment.status == status
    total = db.session.scalar(select(func.count(ImpactAssessment.id)).where(where)) or 0
    page = Page.of(asked, size, total)
    if not total:
        return AssessmentsPage([], page)
    assignee, completer = aliased(User), aliased(User)
    if status == AssessmentStatus.OPEN:
        order = (ImpactAssessment.due_on, ImpactAssessment.id)
    else:
        order = (ImpactAssessment.completed_at.desc(), ImpactAssessment.id.desc())
    stmt = (
        select(
            ImpactAssessment.id,
            ImpactAssessment.incident_id,
            Incident.reference,
            Customer.forename,
            Customer.surname,
            ImpactAssessment.due_on,
            assignee.name,
            ImpactAssessment.outcome,
            ImpactAssessment.completed_at,
            completer.name,
        )
        .join(Incident, Incident.id == ImpactAssessment.incident_id)
        .join(Customer, Customer.id == ImpactAssessment.customer_id)
        .outerjoin(assignee, assignee.id == ImpactAssessment.assigned_to_id)
        .outerjoin(completer, completer.id == ImpactAssessment.completed_by_id)
        .where(where)
        .order_by(*order)
        .limit(page.size)
        .offset(page.offset)
    )
    rows = [
        AssessmentRow(id_, incident_id, ref, f"{fore} {sur}", due, to, outcome, at, by)
        for id_, incident_id, ref, fore, sur, due, to, outcome, at, by in db.session.execute(stmt)
    ]
    return AssessmentsPage(rows, page)


def open_page(asked: int, size: int = PAGE_SIZE) -> AssessmentsPage:
    """Open assessments, earliest due (so overdue) first."""
    return _page(AssessmentStatus.OPEN, asked, size)


def completed_page(asked: int, size: int = PAGE_SIZE) -> AssessmentsPage:
    """Completed assessments, most recently completed first."""
    return _page(AssessmentStatus.COMPLETED, asked, size)


def waiting_requests() -> tuple[list[RequestRow], int]:
    """Restriction requests still with the Group Leadership Team (or back with the Panel for
    more information) whose assessment the Panel said is needed but not yet complete, oldest
    first; and how many there are in all. (A request that needs one always records an outcome,
    so "not yet complete" is how an unfinished one shows.)"""
    where = (
        RestrictionRequest.status.in_((RequestStatus.SUBMITTED, RequestStatus.MORE_INFO)),
        RestrictionRequest.eia_needed.is_(True),
        RestrictionRequest.eia_outcome == EiaOutcome.NOT_COMPLETE,
    )
    total = db.session.scalar(select(func.count(RestrictionRequest.id)).where(*where)) or 0
    if not total:
        return [], 0
    stmt = (
        select(
            RestrictionRequest.id,
            RestrictionRequest.reference,
            Customer.forename,
            Customer.surname,
            RestrictionRequest.requested_at,
            RestrictionRequest.status,
        )
        .join(Customer, Customer.id == RestrictionRequest.customer_id)
        .where(*where)
        .order_by(RestrictionRequest.requested_at, RestrictionRequest.id)
        .limit(REQUESTS_SHOWN)
    )
    rows = [
        RequestRow(id_, ref, f"{fore} {sur}", at, status)
        for id_, ref, fore, sur, at, status in db.session.execute(stmt)
    ]
    return rows, total
