"""Read-only questions about appeals: may the customer still appeal a decision, and by when
(§9.1–9.2), or has it been appealed, with no further appeal once decided (§9.4)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import defer, joinedload, lazyload

from portal import db
from portal.appeals import rules
from portal.appeals.due_dates import DONE_FIELDS, DUE_FIELDS, OPEN
from portal.appeals.models import FINAL, Appeal, AppealStatus
from portal.appeals.wording import draft_closed
from portal.customers.models import Customer
from portal.letters.models import Letter
from portal.paging import Page
from portal.restrictions.models import Restriction, RestrictionRequest
from portal.timeutil import london_date


def decision_key(restriction: Restriction) -> int:
    """One decision letter may set several restrictions; the appeal is against the decision."""
    return restriction.letter_id or -restriction.id


@dataclass(frozen=True, eq=False)
class AppealRight:
    """What the customer may still do about one decision to restrict their contact.

    ``restriction`` is the one an appeal is lodged against (the first the decision set);
    ``appeal`` the appeal already sent against the decision, if any; ``draft`` their unsent
    draft, if any.
    """

    restriction: Restriction
    deadline: date
    late: bool
    appeal: Appeal | None
    draft: Appeal | None
    # Every restriction the decision set (``restriction`` first), and its decision letter
    # (None for a decision told without one): what names the decision to the customer.
    decided: tuple[Restriction, ...] = ()
    letter: Letter | None = None

    @property
    def may_appeal(self) -> bool:
        """True until an appeal is sent; after the deadline only as a late appeal (§9.2)."""
        return self.appeal is None

    @property
    def final(self) -> bool:
        """The appeal was decided, or refused as late: there is no further appeal (§9.4)."""
        return self.appeal is not None and self.appeal.is_final

    @property
    def state(self) -> str:
        """in_time / late (may still appeal) · appealed (being dealt with) · decided ·
        not_accepted (no further appeal)."""
        if self.appeal is None:
            return "late" if self.late else "in_time"
        if self.appeal.status == AppealStatus.CLOSED:
            return "decided"
        if self.appeal.status == AppealStatus.NOT_ACCEPTED:
            return "not_accepted"
        return "appealed"

    @property
    def closed_draft(self) -> Appeal | None:
        """The appeal the customer started online and never sent, closed because the decision
        was appealed another way (a colleague took it by phone or letter, §9.2)."""
        return self.draft if self.appeal is not None else None

    @property
    def closed_draft_said(self) -> str:
        """What the customer is told about :attr:`closed_draft` ("" when there is none)."""
        return draft_closed(self.appeal) if self.closed_draft is not None else ""


def _rights(customer_id: int, now: datetime) -> tuple[list[Restriction], dict[int, AppealRight]]:
    """The restrictions in force with an appeal deadline, and each decision's AppealRight."""
    restrictions = list(
        db.session.scalars(
            select(Restriction)
            .where(
                Restriction.customer_id == customer_id,
                Restriction.not_run_out_clause(london_date(now)),
                Restriction.appeal_deadline.is_not(None),
            )
            .order_by(Restriction.starts_on.desc(), Restriction.id)
        )
    )
    if not restrictions:
        return [], {}
    letter_ids = {r.letter_id for r in restrictions if r.letter_id is not None}
    letters = {
        letter.id: letter
        for letter in db.session.scalars(select(Letter).where(Letter.id.in_(letter_ids)))
    }
    return restrictions, _rights_of(customer_id, now, restrictions, letters)


@cache
def _appeals_statement(*options):
    """The customer's appeals (``customer_id``) with the decision letter of each, read with
    ``options``: built once per process for each set of options."""
    return (
        select(Appeal, Restriction.letter_id)
        .join(Restriction, Appeal.restriction_id == Restriction.id)
        .options(*options)
        .where(Appeal.customer_id == bindparam("customer_id"))
        .order_by(Appeal.id)
    )


def _rights_of(
    customer_id: int,
    now: datetime,
    restrictions: list[Restriction],
    letters: dict[int, Letter],
    *options,
) -> dict[int, AppealRight]:
    """Each decision's AppealRight, for ``restrictions`` (newest first) and their decision
    ``letters`` (id → Letter): one statement for the customer's appeals, read with
    ``options``."""
    sent: dict[int, Appeal] = {}
    drafts: dict[int, Appeal] = {}
    rows = db.session.execute(_appeals_statement(*options), {"customer_id": customer_id}).all()
    for appeal, letter_id in rows:
        key = letter_id or -appeal.restriction_id
        if appeal.status == AppealStatus.DRAFT:
            drafts.setdefault(key, appeal)
        elif key not in sent or sent[key].status in FINAL:
            # An appeal still being dealt with says more than an older, finished one.
            sent[key] = appeal
    decided: dict[int, list[Restriction]] = {}
    for restriction in restrictions:
        decided.setdefault(decision_key(restriction), []).append(restriction)
    rights: dict[int, AppealRight] = {}
    for key, (restriction, *_others) in decided.items():
        rights[key] = AppealRight(
            restriction=restriction,
            deadline=restriction.appeal_deadline,
            late=rules.is_late(now, restriction.appeal_deadline),
            appeal=sent.get(key),
            draft=drafts.get(key),
            decided=tuple(decided[key]),
            letter=letters.get(restriction.letter_id),
        )
    return rights


# The home reads no appeal's files.
# The customer's long answers: what a page about the decisions reads of no appeal.
_LONG_ANSWERS = (
    Appeal.grounds,
    Appeal.new_information,
    Appeal.other_support,
    Appeal.late_reason,
    Appeal.late_decision_reason,
    Appeal.outcome_reasons,
)
_UNFILED = (lazyload(Appeal.evidence), *(defer(column) for column in _LONG_ANSWERS))


def appeal_decisions_among(
    customer_id: int, now: datetime, restrictions: list[Restriction], letters: dict[int, Letter]
) -> list[AppealRight]:
    """What :func:`appeal_decisions` says, for a page that has read the customer's
    restrictions not run out (``restrictions``, in any order) and their decision ``letters``
    already (:func:`portal.restrictions.queries.restrictions_not_run_out`): one statement
    at most, for the appeals, read without their files."""
    with_deadline = sorted(
        (r for r in restrictions if r.appeal_deadline is not None),
        key=lambda r: (-r.starts_on.toordinal(), r.id),
    )
    if not with_deadline:
        return []
    return list(_rights_of(customer_id, now, with_deadline, letters, *_UNFILED).values())


def appeal_decisions(customer_id: int, now: datetime) -> list[AppealRight]:
    """One AppealRight per decision in force that came with an appeal deadline, newest first.

    A fixed number of statements, however many restrictions and appeals the customer has.
    """
    return list(_rights(customer_id, now)[1].values())


def appeal_rights(customer_id: int, now: datetime) -> dict[int, AppealRight]:
    """Restriction id → AppealRight, for every restriction in force with an appeal deadline.

    The restrictions one decision set share one AppealRight. For the customer's home page:
    ``right.may_appeal and not right.late`` → "You can appeal until ``right.deadline``";
    ``right.may_appeal and right.late`` → the last day has passed, but a late appeal with a
    reason can still be made (§9.2); ``right.final`` → there is no further appeal (§9.4);
    otherwise the appeal (``right.appeal``) is being dealt with. Restrictions past their end
    date are left out.
    """
    restrictions, rights = _rights(customer_id, now)
    return {r.id: rights[decision_key(r)] for r in restrictions}


# What a list of open appeals reads of each: not the long answers, not the evidence files.
_LISTED = (
    joinedload(Appeal.customer),
    lazyload(Appeal.evidence),
    *(defer(column) for column in _LONG_ANSWERS),
)

# The tracker's orders: the step due soonest first (an appeal with no step left comes last),
# the longest waiting first, or the newest first.
TRACKER_ORDERS = {
    "due": (Appeal.next_due_on.is_(None), Appeal.next_due_on, Appeal.counted_from, Appeal.id),
    "received": (Appeal.received_at, Appeal.id),
    "newest": (Appeal.received_at.desc(), Appeal.id.desc()),
}
# Which open appeals the tracker shows: all, those with a step overdue, or due by the next
# working day.
TRACKER_SHOWS = ("all", "overdue", "due_soon")
TRACKER_PAGE_SIZE = 50


def open_appeals() -> list[Appeal]:
    """Every appeal the CEM is still working on, oldest first, with what the tracker needs."""
    return list(
        db.session.scalars(
            select(Appeal)
            .options(*_LISTED)
            .where(Appeal.status.in_(OPEN))
            .order_by(Appeal.counted_from, Appeal.id)
        )
    )


@dataclass(frozen=True)
class OpenCounts:
    """How many appeals are open, and of those: how many wait on a step overdue or due soon
    (among those with their due dates stored), how many wait for a GLT decision the one asking
    may make, and how many have due dates not all stored yet."""

    open: int
    overdue: int
    due_soon: int
    for_glt: int
    unstored: int


def _stored_clause():
    return and_(*(getattr(Appeal, field).is_not(None) for field in DUE_FIELDS.values()))


def _not(column, user_id: int):
    return or_(column.is_(None), column != user_id)


def open_counts(today: date, soon: date, decider_id: int | None = None) -> OpenCounts:
    """The open appeals counted on their stored due dates, in one statement however many are
    open. A step is overdue when its due date is before ``today``, and due soon from ``today``
    to ``soon`` (the next working day), as ``rules.tracker_status`` says. With ``decider_id``,
    ``for_glt`` counts the appeals with GLT that this person may decide: neither the
    restriction's approver nor the requester or decider of the request behind it (§1, as
    ``people.conflicted`` says)."""
    stored = _stored_clause()
    due = Appeal.next_due_on

    def _sum(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    counted = [
        func.count(Appeal.id),
        _sum(and_(stored, due < today)),
        _sum(and_(stored, due >= today, due <= soon)),
        _sum(~stored),
    ]
    stmt = select(*counted, literal(0)).where(Appeal.status.in_(OPEN))
    if decider_id is not None:
        may_decide = and_(
            Appeal.status == AppealStatus.WITH_GLT,
            _not(Restriction.approved_by_id, decider_id),
            or_(
                RestrictionRequest.id.is_(None),
                and_(
                    _not(RestrictionRequest.requested_by_id, decider_id),
                    _not(RestrictionRequest.decided_by_id, decider_id),
                ),
            ),
        )
        stmt = (
            select(*counted, _sum(may_decide))
            .join(Restriction, Restriction.id == Appeal.restriction_id)
            .outerjoin(RestrictionRequest, RestrictionRequest.id == Restriction.request_id)
            .where(Appeal.status.in_(OPEN))
        )
    total, overdue, due_soon, unstored, for_glt = db.session.execute(stmt).one()
    return OpenCounts(total, int(overdue), int(due_soon), int(for_glt), int(unstored))


def unstored_open_appeals() -> list[Appeal]:
    """The open appeals whose due dates are not all stored yet, oldest first."""
    return list(
        db.session.scalars(
            select(Appeal)
            .options(*_LISTED)
            .where(Appeal.status.in_(OPEN), ~_stored_clause())
            .order_by(Appeal.counted_from, Appeal.id)
        )
    )


# What the tracker reads of each appeal: what it shows, and what the step it waits on is
# worked out from (when it arrived, the days each step was done and the stored due dates),
# each under the Appeal attribute's own name.
_TRACKER_COLUMNS = (
    Appeal.id,
    Appeal.reference,
    Appeal.late,
    Appeal.received_at,
    *(getattr(Appeal, field) for field in DONE_FIELDS.values()),
    *(getattr(Appeal, field) for field in DUE_FIELDS.values()),
    Customer.forename,
    Customer.surname,
)


@dataclass(frozen=True)
class TrackerPage:
    # One row per appeal, with the columns of ``_TRACKER_COLUMNS`` as attributes.
    rows: list
    page: Page


def tracker_page(
    asked: int,
    today: date,
    soon: date,
    order: str = "due",
    show: str = "all",
    size: int = TRACKER_PAGE_SIZE,
) -> TrackerPage:
    """One page of the open appeals in ``order`` (see ``TRACKER_ORDERS``), those ``show``
    asks for (a step overdue before ``today``, or due by ``soon``), and the count of all of
    them: two statements however many are open, sorted and counted on the stored due dates.
    Each row holds only the columns the tracker needs, not the appeal and its customer."""
    where = [Appeal.status.in_(OPEN)]
    if show == "overdue":
        where.append(Appeal.next_due_on < today)
    elif show == "due_soon":
        where.append(Appeal.next_due_on.between(today, soon))
    total = db.session.scalar(select(func.count(Appeal.id)).where(*where)) or 0
    page = Page.of(asked, size, total)
    if not total:
        return TrackerPage([], page)
    rows = db.session.execute(
        select(*_TRACKER_COLUMNS)
        .join(Customer, Customer.id == Appeal.customer_id)
        .where(*where)
        .order_by(*TRACKER_ORDERS.get(order, TRACKER_ORDERS["due"]))
        .offset(page.offset)
        .limit(page.size)
    )
    return TrackerPage(rows.all(), page)


def open_appeals_in_batches(due_by: date | None = None, size: int = 200) -> Iterator[list[Appeal]]:
    """Every open appeal (with ``due_by``, only those whose current step is due by then, or
    whose dates are not stored yet), ``size`` at a time in id order, so that however many are
    open, none is left out."""
    where = [Appeal.status.in_(OPEN)]
    if due_by is not None:
        where.append(or_(Appeal.next_due_on <= due_by, Appeal.tell_customer_due_on.is_(None)))
    after = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Appeal)
                .options(*_LISTED)
                .where(*where, Appeal.id > after)
                .order_by(Appeal.id)
                .limit(size)
            )
        )
        if not batch:
            return
        yield batch
        after = batch[-1].id
