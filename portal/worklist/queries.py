"""Each member of staff's worklist, read in a fixed number of queries whatever the rows: the
reports waiting for them, the Panel's queue, restriction and appeal steps, correspondence to
handle and unread notifications. Each part is read only for those whose role it concerns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import db
from portal.appeals import progress as appeal_progress
from portal.appeals import queries as appeal_queries
from portal.arrangements import queries as arrangement_queries
from portal.arrangements.queries import AnswerToAct
from portal.auth import permissions
from portal.correspondence import queries as correspondence_queries
from portal.incidents import queries as incident_queries
from portal.incidents.models import Incident
from portal.incidents.queries import PanelCounts
from portal.notifications.models import Notification
from portal.notifications.services import unread
from portal.restrictions import queries as restriction_queries
from portal.restrictions.models import (
    RequestPart,
    RequestParticipant,
    RequestStatus,
    Restriction,
    RestrictionRequest,
)
from portal.restrictions.queries import LetterToSend
from portal.workdays.services import load_calendar

# Restriction reviews this close are listed as due (§8.16 six-monthly review).
REVIEW_NOTICE = timedelta(days=14)


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
    """What waits for ``me`` on ``today`` (London date)."""
    handles_appeals = permissions.can_manage_appeals(me) or permissions.can_decide_appeal(me)
    return Worklist(
        awaiting_decision=incident_queries.awaiting_manager_decision(me.id),
        my_reports=incident_queries.recent_reports(me.id),
        panel=(
            incident_queries.panel_counts(today, permissions.register_is_limited_to_asb(me))
            if permissions.can_review_as_panel(me)
            else None
        ),
        restriction_tasks=_restriction_tasks(me, today),
        correspondence_open=(
            correspondence_queries.open_correspondence_count()
            if permissions.can_handle_correspondence(me)
            else None
        ),
        appeal_tasks=_appeal_tasks(me, today) if handles_appeals else None,
        notes=unread(me.id),
    )


def _restriction_tasks(me, today: date) -> RestrictionTasks | None:
    """Requests for GLT to decide (never one ``me`` made or changed, §8.16), and for those who
    request restrictions: reviews due soon, decision letters to send, questions from GLT."""
    may_decide = permissions.can_decide_restriction(me)
    may_request = permissions.can_request_restriction(me)
    if not (may_decide or may_request):
        return None
    to_decide = _requests_to_decide(me) if may_decide else 0
    reviews = letters_to_send = more_info = 0
    letters: list[LetterToSend] = []
    answers_to_act, answers = 0, []
    if may_request:
        answers_to_act, answers = arrangement_queries.waiting_for_staff()
        reviews = db.session.scalar(
            select(func.count(Restriction.id)).where(
                Restriction.in_force_clause(today),
                Restriction.review_on <= today + REVIEW_NOTICE,
            )
        )
        # Approved and waiting, or in force at once or reintroduced without a letter.
        letters_to_send, letters = restriction_queries.letters_to_send()
        more_info = db.session.scalar(
            select(func.count(RestrictionRequest.id)).where(
                RestrictionRequest.status == RequestStatus.MORE_INFO
            )
        )
    return RestrictionTasks(
        to_decide, reviews, letters_to_send, letters, more_info, answers_to_act, answers
    )


def _requests_to_decide(me) -> int:
    mine = (
        select(RequestParticipant.id)
        .where(
            RequestParticipant.request_id == RestrictionRequest.id,
            RequestParticipant.user_id == me.id,
            RequestParticipant.part != RequestPart.DECIDED,
        )
        .exists()
    )
    return db.session.scalar(
        select(func.count(RestrictionRequest.id)).where(
            RestrictionRequest.status == RequestStatus.SUBMITTED,
            RestrictionRequest.requested_by_id != me.id,
            ~mine,
        )
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
