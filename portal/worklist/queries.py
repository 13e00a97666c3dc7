"""Each member of staff's worklist, read in a fixed number of queries whatever the rows: the
reports waiting for them, the Panel's queue, restriction and appeal steps, correspondence to
handle and unread notifications. Each part is read only for those whose role it concerns: every
count in one statement, then each list (one statement) only when its count says it has rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Date, bindparam, func, select
from sqlalchemy.orm import contains_eager, load_only

from portal import db
from portal.appeals import progress as appeal_progress
from portal.appeals import queries as appeal_queries
from portal.arrangements.models import WAITING_FOR_STAFF, Arrangement
from portal.arrangements.queries import AnswerToAct, answers_waiting
from portal.auth import permissions
from portal.auth.models import User
from portal.correspondence.models import OPEN_CORRESPONDENCE, Correspondence
from portal.customers.models import Customer
from portal.incidents.models import Incident, IncidentStatus, Route
from portal.incidents.queries import PanelCounts
from portal.notifications.models import Notification
from portal.restrictions.models import (
    RequestPart,
    RequestParticipant,
    RequestStatus,
    Restriction,
    RestrictionRequest,
)
from portal.restrictions.queries import LetterToSend, letters_waiting
from portal.workdays.services import load_calendar

# Restriction reviews this close are listed as due (§8.16 six-monthly review).
REVIEW_NOTICE = timedelta(days=14)
# At most this many answers and letters are listed; the counts say how many in all.
LIST_LIMIT = 20


@dataclass(frozen=True)
class RestrictionTasks:
    to_decide: int
    reviews: int
    letters_to_send: int
    letters: list[LetterToSend]
    more_info: int
    # Customers' answers to arrangements that the Panel has still to act on (§8.15).
    answers_to_act: int = 0
    answers: list[AnswerToAct] = field(default_factory=list)


@dataclass(frozen=True)
class AppealTasks:
    open: int
    overdue: int
    due_soon: int
    for_glt: int


@dataclass(frozen=True)
class Worklist:
    """The home page's parts; a part is None for someone whose role it does not concern."""

    awaiting_decision: list[Incident]
    my_reports: list[Incident]
    panel: PanelCounts | None
    restriction_tasks: RestrictionTasks | None
    correspondence_open: int | None
    appeal_tasks: AppealTasks | None
    notes: list[Notification]


def worklist(me, today: date) -> Worklist:
    """What waits for ``me`` on ``today`` (London date): every count in one statement, then
    only the lists with something in them, each one statement whatever its length."""
    panel = permissions.can_review_as_panel(me)
    may_decide = permissions.can_decide_restriction(me)
    may_request = permissions.can_request_restriction(me)
    correspondence = permissions.can_handle_correspondence(me)
    handles_appeals = permissions.can_manage_appeals(me) or permissions.can_decide_appeal(me)
    statement = _counts_statement(
        panel,
        panel and permissions.register_is_limited_to_asb(me),
        may_decide,
        may_request,
        correspondence,
    )
    params = {"me": me.id, "today": today, "review_by": today + REVIEW_NOTICE}
    counts = db.session.execute(statement, params).one()._mapping
    restriction_tasks = None
    if may_decide or may_request:
        restriction_tasks = RestrictionTasks(
            to_decide=counts.get("to_decide", 0),
            reviews=counts.get("reviews", 0),
            letters_to_send=counts.get("letters_to_send", 0),
            letters=letters_waiting(LIST_LIMIT) if counts.get("letters_to_send") else [],
            more_info=counts.get("more_info", 0),
            answers_to_act=counts.get("answers_to_act", 0),
            answers=answers_waiting(LIST_LIMIT) if counts.get("answers_to_act") else [],
        )
    return Worklist(
        awaiting_decision=_incidents(_awaiting_statement(), me.id) if counts["awaiting"] else [],
        my_reports=_incidents(_my_reports_statement(), me.id) if counts["mine"] else [],
        panel=PanelCounts(counts["waiting"], counts["overdue"]) if panel else None,
        restriction_tasks=restriction_tasks,
        correspondence_open=counts["correspondence"] if correspondence else None,
        appeal_tasks=_appeal_tasks(me, today) if handles_appeals else None,
        notes=(
            list(db.session.scalars(_unread_statement(), {"me": me.id})) if counts["unread"] else []
        ),
    )


def _count(entity, *where):
    return select(func.count(entity.id)).where(*where).scalar_subquery()


@cache
def _counts_statement(
    panel: bool, asb_only: bool, may_decide: bool, may_request: bool, correspondence: bool
):
    """Every count the home page shows (and whether each list has rows), as scalar subqueries
    of one statement, for ``me``, ``today`` and ``review_by``; built once per set of roles."""
    me, today = bindparam("me"), bindparam("today", type_=Date)
    columns = [
        _count(
            Incident, Incident.line_manager_id == me, Incident.manager_decided_at.is_(None)
        ).label("awaiting"),
        select(Incident.id).where(Incident.reported_by_id == me).exists().label("mine"),
        _count(Notification, Notification.user_id == me, Notification.read_at.is_(None)).label(
            "unread"
        ),
    ]
    if panel:
        waiting = [Incident.status == IncidentStatus.AWAITING_REVIEW]
        if asb_only:
            waiting.append(Incident.route == Route.ASB)
        columns += [
            _count(Incident, *waiting).label("waiting"),
            _count(Incident, *waiting, Incident.review_due_on < today).label("overdue"),
        ]
    if may_decide:
        columns.append(_requests_to_decide(me).label("to_decide"))
    if may_request:
        columns += [
            _count(Arrangement, Arrangement.status.in_(WAITING_FOR_STAFF)).label("answers_to_act"),
            _count(
                Restriction,
                Restriction.in_force_clause(today),
                Restriction.review_on <= bindparam("review_by", type_=Date),
            ).label("reviews"),
            # Approved and waiting, or in force at once or reintroduced without a letter.
            _count(Restriction, Restriction.needs_letter_clause()).label("letters_to_send"),
            _count(RestrictionRequest, RestrictionRequest.status == RequestStatus.MORE_INFO).label(
                "more_info"
            ),
        ]
    if correspondence:
        columns.append(
            _count(Correspondence, Correspondence.status.in_(OPEN_CORRESPONDENCE)).label(
                "correspondence"
            )
        )
    return select(*columns)


def _requests_to_decide(me):
    """Requests for GLT to decide, never one ``me`` made or changed (§8.16)."""
    mine = (
        select(RequestParticipant.id)
        .where(
            RequestParticipant.request_id == RestrictionRequest.id,
            RequestParticipant.user_id == me,
            RequestParticipant.part != RequestPart.DECIDED,
        )
        .exists()
    )
    return _count(
        RestrictionRequest,
        RestrictionRequest.status == RequestStatus.SUBMITTED,
        RestrictionRequest.requested_by_id != me,
        ~mine,
    )


def _incidents(statement, me_id: int) -> list[Incident]:
    return list(db.session.scalars(statement, {"me": me_id}))


_SHOWN = (Incident.reference, Incident.customer_id, Incident.reported_by_id, Incident.reported_at)


@cache
def _awaiting_statement():
    """Reports waiting for this line manager's (``me``) §8.3 decision, oldest first, with only
    what the home page shows; built once per process."""
    return (
        select(Incident)
        .join(Incident.customer)
        .join(Incident.reported_by)
        .options(
            load_only(*_SHOWN),
            contains_eager(Incident.customer).load_only(Customer.forename, Customer.surname),
            contains_eager(Incident.reported_by).load_only(User.name),
        )
        .where(Incident.line_manager_id == bindparam("me"), Incident.manager_decided_at.is_(None))
        .order_by(Incident.reported_at)
    )


@cache
def _my_reports_statement():
    """The latest five reports ``me`` made, newest first; built once per process."""
    return (
        select(Incident)
        .join(Incident.customer)
        .options(
            load_only(*_SHOWN),
            contains_eager(Incident.customer).load_only(Customer.forename, Customer.surname),
        )
        .where(Incident.reported_by_id == bindparam("me"))
        .order_by(Incident.reported_at.desc())
        .limit(5)
    )


@cache
def _unread_statement():
    """``me``'s ten newest unread notifications; built once per process."""
    return (
        select(Notification)
        .where(Notification.user_id == bindparam("me"), Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc())
        .limit(10)
    )


def _appeal_tasks(me, today: date) -> AppealTasks:
    """Open appeals and how many have a step overdue or due soon (CEM), or wait for GLT:
    counted in the database on the due dates stored on each appeal, with the same meanings as
    ``Progress.current.attention``. An appeal whose dates are not stored yet has them counted
    here (``progress``), however few there are."""
    calendar = load_calendar()
    decider = me.id if permissions.can_decide_appeal(me) else None
    counts = appeal_queries.open_counts(today, calendar.next_working_day(today), decider)
    attention: Counter[str | None] = Counter()
    if counts.unstored:
        unstored = appeal_queries.unstored_open_appeals()
        for row in appeal_progress.for_appeals(unstored, today, calendar):
            attention[row.current.attention if row.current is not None else None] += 1
    return AppealTasks(
        open=counts.open,
        overdue=counts.overdue + attention["overdue"],
        due_soon=counts.due_soon + attention["due_soon"],
        for_glt=counts.for_glt,
    )
