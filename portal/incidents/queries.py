"""Read-only queries: an incident's page, the Panel queue, the central register (§8.7, §8.8)
and the reports on each person's home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, Select, case, column, func, literal, select, table
from sqlalchemy.orm import contains_eager, joinedload, load_only

from portal import db, search
from portal.auth.models import User
from portal.conduct_warnings.models import ConductWarning
from portal.customers.models import Customer
from portal.incidents.catalogue import Category
from portal.incidents.models import Incident, IncidentCategory, IncidentStatus, Route
from portal.incidents.services import review_deadline
from portal.panel.models import Outcome, PanelReview
from portal.timeutil import from_london
from portal.workdays.calendar import Deadline


@dataclass(frozen=True)
class IncidentRecord:
    """What an incident's page shows besides the report: the Panel's review and any warning
    it led to, or, while it waits, when it is due and how that date was counted."""

    review: PanelReview | None
    warning: ConductWarning | None
    deadline: Deadline | None


def incident_record(incident: Incident) -> IncidentRecord:
    review = db.session.scalar(select(PanelReview).where(PanelReview.incident_id == incident.id))
    warning = db.session.scalar(
        select(ConductWarning).where(ConductWarning.incident_id == incident.id)
    )
    deadline = review_deadline(incident) if review is None else None
    return IncidentRecord(review, warning, deadline)


def awaiting_manager_decision(manager_id: int) -> list[Incident]:
    """Reports waiting for this line manager's §8.3 decision, oldest first."""
    return list(
        db.session.scalars(
            select(Incident)
            .options(joinedload(Incident.customer), joinedload(Incident.reported_by))
            .where(Incident.line_manager_id == manager_id, Incident.manager_decided_at.is_(None))
            .order_by(Incident.reported_at)
        )
    )


def recent_reports(reporter_id: int, limit: int = 5) -> list[Incident]:
    """The latest reports this member of staff made, newest first."""
    return list(
        db.session.scalars(
            select(Incident)
            .options(joinedload(Incident.customer))
            .where(Incident.reported_by_id == reporter_id)
            .order_by(Incident.reported_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class PanelCounts:
    waiting: int
    overdue: int


def panel_counts(today: date, limit_to_asb: bool) -> PanelCounts:
    """How many reports await Panel review, and how many of those are past their due date."""
    stmt = select(
        func.count(Incident.id),
        func.sum(case((Incident.review_due_on < today, 1), else_=0)),
    ).where(Incident.status == IncidentStatus.AWAITING_REVIEW)
    if limit_to_asb:
        stmt = stmt.where(Incident.route == Route.ASB)
    waiting, overdue = db.session.execute(stmt).one()
    return PanelCounts(waiting or 0, int(overdue or 0))


def panel_queue(limit_to_asb: bool) -> list[Incident]:
    """Reports awaiting review, earliest due (so overdue) first.

    Only the columns the queue shows are loaded: a backlog of hundreds of reports would
    otherwise pull every description and JSON column just to draw one line each.
    """
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


@dataclass(frozen=True, slots=True)
class RegisterCustomer:
    id: int
    name: str
    reference: str


@dataclass(frozen=True, slots=True)
class RegisterIncident:
    """What the register shows of an incident, read as plain columns."""

    id: int
    reference: str
    route: Route
    reported_at: datetime
    customer: RegisterCustomer
    categories: list[Category]


@dataclass(frozen=True, slots=True)
class RegisterRow:
    incident: RegisterIncident
    outcome: Outcome | None
    warning_stage: str | None


@dataclass
class RegisterPage:
    rows: list[RegisterRow]
    total: int
    page: int
    pages: int
    too_short: bool = False


def _register_stmt(filters: RegisterFilters, limit_to_asb: bool) -> Select:
    """The matching incidents' ids, joining customers and reviews only when a filter needs them."""
    stmt = select(Incident.id)
    if search.term(filters.q):
        stmt = stmt.where(search.incident_match(filters.q))
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
        stmt = stmt.join(PanelReview, PanelReview.incident_id == Incident.id).where(
            PanelReview.outcome == filters.outcome
        )
    if filters.date_from:
        stmt = stmt.where(Incident.reported_at >= from_london(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Incident.reported_at < from_london(filters.date_to + timedelta(days=1)))
    return stmt


# One page of ids and the total, as a CTE each page fills in (see register_page).
_PAGE = table("register_page", column("id", Integer), column("total", Integer))


def _rows(page, incident, source) -> Select:
    """The register's columns for a page's incidents, one row per category, so the page and
    its categories come in one statement; ``incident`` holds the incident's own columns and
    ``source`` is the page, joined to them where they are not on it."""
    return (
        select(
            page.c.id,
            incident.c.reference,
            incident.c.route,
            incident.c.reported_at,
            Customer.id,
            Customer.forename,
            Customer.surname,
            Customer.reference,
            PanelReview.outcome,
            ConductWarning.stage,
            IncidentCategory.category,
            page.c.total,
        )
        .select_from(source)
        .join(Customer, Customer.id == incident.c.customer_id)
        .outerjoin(PanelReview, PanelReview.incident_id == incident.c.id)
        .outerjoin(ConductWarning, ConductWarning.incident_id == incident.c.id)
        .outerjoin(IncidentCategory, IncidentCategory.incident_id == incident.c.id)
        .order_by(incident.c.reported_at.desc(), incident.c.id.desc(), IncidentCategory.id)
    )


# Built once: only the CTE differs from one page to the next. Without a search the page's
# ids come off ix_incident_reported alone and the rows are joined to their incidents.
_REGISTER_ROWS = _rows(_PAGE, Incident.__table__, _PAGE.join(Incident, Incident.id == _PAGE.c.id))

# On PostgreSQL a search reads each matching incident already (its bitmap gives rows, not an
# order), so its page carries the incident's columns and the statement has one table fewer to
# plan (half the planning time). On SQLite the wider rows cost more to sort than the join.
_CARRIED = (Incident.reference, Incident.route, Incident.reported_at, Incident.customer_id)
_SEARCH_PAGE = table(
    "register_page",
    column("id", Integer),
    *(column(c.key, c.type) for c in _CARRIED),
    column("total", Integer),
)
_SEARCH_ROWS = _rows(_SEARCH_PAGE, _SEARCH_PAGE, _SEARCH_PAGE)


def register_page(filters: RegisterFilters, limit_to_asb: bool, page_size: int) -> RegisterPage:
    """One page of the register, newest first.

    The page's ids are found on the narrow id query (walking ix_incident_reported when there
    is no filter) and joined, in the same statement, to the columns the register shows. A text
    search looks its matches up in the search index (``portal.search``), on PostgreSQL carries
    the incident's own columns from that pass, and finds the total in it too (a window count),
    so a search's page costs one statement (and finding nothing on its first page means
    nothing matches). Without a search, or when a search's page is past the end, the total is
    counted first. A search term shorter than the index can look up finds nothing and says so.
    """
    if search.too_short(filters.q):
        return RegisterPage(rows=[], total=0, page=1, pages=1, too_short=True)
    base = _register_stmt(filters, limit_to_asb)
    ordered = base.order_by(Incident.reported_at.desc(), Incident.id.desc()).limit(page_size)
    page = max(1, filters.page)
    # Plain Core rows: every column is a value, so the ORM has nothing to load.
    connection = db.session.connection()

    searched = bool(search.term(filters.q))
    carry = searched and connection.dialect.name == "postgresql"
    carried, rows_stmt = (_CARRIED, _SEARCH_ROWS) if carry else ((), _REGISTER_ROWS)

    def page_rows(number: int, total: int | None = None) -> list:
        counted = func.count().over() if total is None else literal(total)
        ids = ordered.add_columns(*carried, counted.label("total"))
        ids = ids.offset((number - 1) * page_size)
        return connection.execute(rows_stmt.add_cte(ids.cte(_PAGE.name))).all()

    found = page_rows(page) if searched else []
    if found:
        total = found[0].total
    elif searched and page == 1:
        total = 0  # nothing on the first page: nothing matches at all
    else:
        total = db.session.scalar(select(func.count()).select_from(base.subquery()))
        page = min(page, max(1, -(-total // page_size)))
        found = page_rows(page, total) if total else []
    rows: list[RegisterRow] = []
    for (
        id_,
        reference,
        route,
        reported_at,
        customer_id,
        forename,
        surname,
        customer_reference,
        outcome,
        stage,
        category,
        _total,
    ) in found:
        if not rows or rows[-1].incident.id != id_:
            customer = RegisterCustomer(customer_id, f"{forename} {surname}", customer_reference)
            incident = RegisterIncident(id_, reference, route, reported_at, customer, [])
            rows.append(RegisterRow(incident, outcome, stage.value if stage else None))
        if category is not None:
            rows[-1].incident.categories.append(category)
    return RegisterPage(rows=rows, total=total, page=page, pages=max(1, -(-total // page_size)))
