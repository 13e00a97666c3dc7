"""Read-only queries for the Panel queue and the central register (§8.7, §8.8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal import db
from portal.conduct_warnings.models import ConductWarning
from portal.customers.models import Customer
from portal.incidents.catalogue import Category
from portal.incidents.models import Incident, IncidentCategory, IncidentStatus, Route
from portal.panel.models import Outcome, PanelReview
from portal.timeutil import from_london


def panel_queue(limit_to_asb: bool) -> list[Incident]:
    """Reports awaiting review, earliest due (so overdue) first."""
    stmt = (
        select(Incident)
        .join(Incident.customer)
        .options(contains_eager(Incident.customer), joinedload(Incident.reported_by))
        .where(Incident.status == IncidentStatus.AWAITING_REVIEW)
        .order_by(Incident.review_due_on, Incident.reported_at)
    )
    if limit_to_asb:
        stmt = stmt.where(Incident.route == Route.ASB)
    return list(db.session.scalars(stmt).unique())


@dataclass
class RegisterFilters:
    q: str = ""
    category: Category | None = None
    route: Route | None = None
    status: IncidentStatus | None = None
    outcome: Outcome | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1


@dataclass
class RegisterRow:
    incident: Incident
    outcome: Outcome | None
    warning_stage: str | None


@dataclass
class RegisterPage:
    rows: list[RegisterRow]
    total: int
    page: int
    pages: int


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _register_stmt(filters: RegisterFilters, limit_to_asb: bool) -> Select:
    stmt = (
        select(Incident.id)
        .join(Customer, Incident.customer_id == Customer.id)
        .outerjoin(PanelReview, PanelReview.incident_id == Incident.id)
    )
    q = filters.q.strip()[:100]
    if q:
        like = _like(q.lower())
        stmt = stmt.where(
            or_(
                func.lower(Customer.forename + " " + Customer.surname).like(like, escape="\\"),
                func.lower(Customer.reference).like(like, escape="\\"),
                func.lower(Incident.reference).like(like, escape="\\"),
                func.lower(Incident.description).like(like, escape="\\"),
            )
        )
    if filters.category:
        stmt = stmt.where(
            Incident.id.in_(
                select(IncidentCategory.incident_id).where(
                    IncidentCategory.category == filters.category
                )
            )
        )
    if limit_to_asb:
        stmt = stmt.where(Incident.route == Route.ASB)
    elif filters.route:
        stmt = stmt.where(Incident.route == filters.route)
    if filters.status:
        stmt = stmt.where(Incident.status == filters.status)
    if filters.outcome:
        stmt = stmt.where(PanelReview.outcome == filters.outcome)
    if filters.date_from:
        stmt = stmt.where(Incident.reported_at >= from_london(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Incident.reported_at < from_london(filters.date_to + timedelta(days=1)))
    return stmt


def register_page(filters: RegisterFilters, limit_to_asb: bool, page_size: int) -> RegisterPage:
    """One page of the register: a count query, a page query and one for categories."""
    base = _register_stmt(filters, limit_to_asb)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, -(-total // page_size))
    page = min(max(1, filters.page), pages)
    stmt = (
        select(Incident, PanelReview.outcome, ConductWarning.stage)
        .join(Incident.customer)
        .outerjoin(PanelReview, PanelReview.incident_id == Incident.id)
        .outerjoin(ConductWarning, ConductWarning.incident_id == Incident.id)
        .options(contains_eager(Incident.customer))
        .where(Incident.id.in_(base))
        .order_by(Incident.reported_at.desc(), Incident.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = [
        RegisterRow(incident, outcome, stage.value if stage else None)
        for incident, outcome, stage in db.session.execute(stmt).unique()
    ]
    return RegisterPage(rows=rows, total=total, page=page, pages=pages)
