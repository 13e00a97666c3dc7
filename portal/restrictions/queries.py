"""Read-only queries for restrictions and arrangements, each in a fixed number of statements:
what is in force on a day (:func:`restrictions_in_force`, the one to use), the customer
record's picture, the letters still to send and the staff list of requests. Correspondence
still to handle is in :mod:`portal.correspondence.queries`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import Date, bindparam, case, func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from portal import db
from portal.arrangements.models import Arrangement, ArrangementStatus
from portal.auth.models import User
from portal.correspondence import queries as correspondence
from portal.customers.models import Customer
from portal.letters.models import Letter, unread_text
from portal.paging import Page
from portal.restrictions import rules
from portal.restrictions.models import (
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.timeutil import london_date, utcnow

OPEN_ARRANGEMENTS = (
    ArrangementStatus.AWAITING_CUSTOMER,
    ArrangementStatus.AGREED,
    ArrangementStatus.CHANGE_PROPOSED,
    ArrangementStatus.DECLINED,  # until the Panel ends it, saying what happens next
)
REQUESTS_PAGE_SIZE = 50


def restrictions_in_force(customer_id: int, on: date) -> list[Restriction]:
    """The customer's restrictions in force on ``on`` (a London date), soonest review first.

    In force means notified (or started at once under §4.6), started, and not yet ended:
    a restriction that starts later, or whose end date has passed, is not in force.
    """
    return list(
        db.session.scalars(
            select(Restriction)
            .options(joinedload(Restriction.named_manager))
            .where(Restriction.customer_id == customer_id, Restriction.in_force_clause(on))
            .order_by(Restriction.review_on, Restriction.id)
        )
    )


def restrictions_starting_after(customer_id: int, on: date) -> list[Restriction]:
    """The customer's notified restrictions that start after ``on``, soonest first."""
    return list(
        db.session.scalars(
            select(Restriction)
            .options(joinedload(Restriction.named_manager))
            .where(
                Restriction.customer_id == customer_id,
                Restriction.status == RestrictionStatus.ACTIVE,
                Restriction.starts_on > on,
            )
            .order_by(Restriction.starts_on, Restriction.id)
        )
    )


@dataclass(frozen=True)
class NotRunOut:
    """The customer's restrictions not run out on a day, read in one statement: those in
    force (soonest review first), those starting later (soonest first), and the decision
    letter of each (letter id → Letter) for what names a decision to the customer."""

    in_force: list[Restriction]
    upcoming: list[Restriction]
    letters: dict[int, Letter]

    @property
    def all(self) -> list[Restriction]:
        return [*self.in_force, *self.upcoming]


@cache
def _not_run_out_statement():
    """The select of :func:`restrictions_not_run_out`, built once per process."""
    return (
        select(Restriction, Letter)
        .outerjoin(Letter, Letter.id == Restriction.letter_id)
        .options(
            joinedload(Restriction.named_manager).options(
                lazyload(User.role_links), lazyload(User.line_manager)
            ),
            *unread_text(),
        )
        .where(
            Restriction.customer_id == bindparam("customer_id"),
            Restriction.not_run_out_clause(bindparam("on", type_=Date)),
        )
    )


def restrictions_not_run_out(customer_id: int, on: date) -> NotRunOut:
    """What :func:`restrictions_in_force` and :func:`restrictions_starting_after` say, with
    each restriction's decision letter, in one statement (for the customer's home). Their
    named managers come with them, without the roles nothing here reads."""
    rows = db.session.execute(
        _not_run_out_statement(), {"customer_id": customer_id, "on": on}
    ).all()
    in_force = sorted(
        (r for r, _letter in rows if r.in_force_on(on)), key=lambda r: (r.review_on, r.id)
    )
    upcoming = sorted(
        (r for r, _letter in rows if r.starts_after(on)), key=lambda r: (r.starts_on, r.id)
    )
    letters = {letter.id: letter for _r, letter in rows if letter is not None}
    return NotRunOut(in_force, upcoming, letters)


def termination_in_force(customer_id: int, on: date) -> Restriction | None:
    """The restriction ending all contact with the customer on ``on``, if there is one."""
    return db.session.scalar(
        select(Restriction)
        .where(
            Restriction.customer_id == customer_id,
            Restriction.kind == RestrictionKind.TERMINATION,
            Restriction.in_force_clause(on),
        )
        .order_by(Restriction.starts_on, Restriction.id)
        .limit(1)
    )


def needing_decision_letter(request_id: int) -> list[Restriction]:
    """The request's restrictions still waiting for their decision letter (§8.20): approved
    and waiting, or in force at once or reintroduced without one. Lifted, replaced or ended
    ones, and those already told, are left out."""
    return list(
        db.session.scalars(
            select(Restriction)
            .where(Restriction.request_id == request_id, Restriction.needs_letter_clause())
            .order_by(Restriction.id)
        )
    )


@dataclass(frozen=True)
class LetterToSend:
    request_id: int
    reference: str
    customer_name: str
    restrictions: int


def letters_waiting(limit: int = 20) -> list[LetterToSend]:
    """The decision letters to send, one per request, oldest approval first (§8.20): one
    statement whatever their number."""
    rows = db.session.execute(
        select(
            RestrictionRequest.id,
            RestrictionRequest.reference,
            Customer.forename,
            Customer.surname,
            func.count(Restriction.id),
        )
        .join(Restriction, Restriction.request_id == RestrictionRequest.id)
        .join(Customer, Customer.id == RestrictionRequest.customer_id)
        .where(Restriction.needs_letter_clause())
        .group_by(
            RestrictionRequest.id,
            RestrictionRequest.reference,
            Customer.forename,
            Customer.surname,
        )
        .order_by(func.min(Restriction.approved_at), RestrictionRequest.id)
        .limit(limit)
    )
    return [
        LetterToSend(request_id, reference, f"{forename} {surname}", count)
        for request_id, reference, forename, surname, count in rows
    ]


def requests_page(
    asked: int, size: int = REQUESTS_PAGE_SIZE
) -> tuple[list[RestrictionRequest], Page]:
    """Page ``asked`` of every restriction request, undecided first and then newest, with
    the count of all: two statements however many there are.

    The id breaks ties between requests made at the same moment, so each request is on
    exactly one page.
    """
    total = db.session.scalar(select(func.count(RestrictionRequest.id))) or 0
    page = Page.of(asked, size, total)
    if not total:
        return [], page
    undecided = RestrictionRequest.status.in_((RequestStatus.SUBMITTED, RequestStatus.MORE_INFO))
    rows = db.session.scalars(
        select(RestrictionRequest)
        .options(
            joinedload(RestrictionRequest.customer),
            # The list shows who asked, by name only.
            joinedload(RestrictionRequest.requested_by).options(
                lazyload(User.role_links), lazyload(User.line_manager)
            ),
        )
        .order_by(
            case((undecided, 0), else_=1),
            RestrictionRequest.requested_at.desc(),
            RestrictionRequest.id.desc(),
        )
        .limit(page.size)
        .offset(page.offset)
    )
    return list(rows), page


@dataclass
class ContactPicture:
    """What contact is allowed now, and (for those who may see it) how it came about."""

    in_force: list[tuple[Restriction, rules.AllowedContact]] = field(default_factory=list)
    # Notified, but starting on a later date: shown as "starts on …", not as in force.
    upcoming: list[tuple[Restriction, rules.AllowedContact]] = field(default_factory=list)
    arrangements: list[Arrangement] = field(default_factory=list)
    history: list[Restriction] = field(default_factory=list)
    requests: list[RestrictionRequest] = field(default_factory=list)
    open_correspondence: int = 0

    @property
    def terminated(self) -> bool:
        return any(r.kind == RestrictionKind.TERMINATION for r, _ in self.in_force)


def contact_picture(
    customer_id: int, with_history: bool, today: date | None = None
) -> ContactPicture:
    """Restrictions in force on ``today`` (and those starting later) and agreed arrangements
    for everyone; for those who may see the conduct history, every restriction, the open
    requests and unhandled correspondence.

    ``today`` is a London date; pages pass the one they show, and it defaults to today.
    """
    if today is None:
        today = london_date(utcnow())
    stmt = (
        select(Restriction)
        .options(joinedload(Restriction.named_manager))
        .where(Restriction.customer_id == customer_id)
        .order_by(Restriction.starts_on.desc(), Restriction.id.desc())
    )
    if not with_history:
        stmt = stmt.where(Restriction.not_run_out_clause(today))
    restrictions = list(db.session.scalars(stmt))
    picture = ContactPicture(
        in_force=[(r, rules.allowed_contact(r)) for r in restrictions if r.in_force_on(today)],
        upcoming=[
            (r, rules.allowed_contact(r))
            for r in sorted(restrictions, key=lambda r: (r.starts_on, r.id))
            if r.starts_after(today)
        ],
    )
    statuses = OPEN_ARRANGEMENTS if with_history else (ArrangementStatus.AGREED,)
    picture.arrangements = list(
        db.session.scalars(
            select(Arrangement)
            .options(
                selectinload(Arrangement.terms),
                selectinload(Arrangement.letter).load_only(Letter.reference),
            )
            .where(Arrangement.customer_id == customer_id, Arrangement.status.in_(statuses))
            .order_by(Arrangement.approved_at.desc())
        )
    )
    if with_history:
        picture.history = restrictions
        picture.requests = list(
            db.session.scalars(
                select(RestrictionRequest)
                .where(
                    RestrictionRequest.customer_id == customer_id,
                    RestrictionRequest.status.in_(
                        (RequestStatus.SUBMITTED, RequestStatus.MORE_INFO)
                    ),
                )
                .order_by(RestrictionRequest.requested_at)
            )
        )
        picture.open_correspondence = correspondence.open_for_customer(customer_id)
    return picture
