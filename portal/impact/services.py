"""Equality Impact Assessments (§4.7): opened when the Panel's review says one is needed,
given to someone, and completed once with what was considered and what came of it. Each step
audits what it changed; a step taken on a page that someone else changed since is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.errors import entered_text as _text
from portal.impact.models import (
    DUE_WORKING_DAYS,
    AssessmentOutcome,
    AssessmentStatus,
    ImpactAssessment,
)
from portal.incidents.models import Incident
from portal.panel.models import PanelReview
from portal.timeutil import london_date
from portal.workdays.calendar import Deadline, WorkingCalendar
from portal.workdays.services import load_calendar

TEXT_MAX = 5000
# Who an assessment may be given to: those who may complete it.
ASSIGNABLE_ROLES = (Role.PANEL, Role.CEM)
FIELDS = ["status", "outcome", "considered", "adjustments", "assigned_to_id", "version"]


def _must_manage(actor) -> None:
    if not permissions.can_manage_impact_assessments(actor):
        raise NotAllowed


def due_date(reviewed_at: datetime, calendar: WorkingCalendar | None = None) -> Deadline:
    """When an assessment opened by a review at ``reviewed_at`` is due: day 0 is the day of
    the review (London), and it is due ``DUE_WORKING_DAYS`` working days later."""
    calendar = calendar if calendar is not None else load_calendar()
    return calendar.add_working_days(london_date(reviewed_at), DUE_WORKING_DAYS)


def review_due_date(assessment: ImpactAssessment, calendar: WorkingCalendar) -> date:
    """The due date of ``assessment`` counted again from its Panel review with ``calendar``."""
    reviewed_at = db.session.scalar(
        select(PanelReview.reviewed_at).where(PanelReview.id == assessment.panel_review_id)
    )
    return due_date(reviewed_at, calendar).due


def recompute_due_dates(
    actor,
    now: datetime,
    calendar: WorkingCalendar,
    keep: Callable[[date, date], date],
    because: dict | None = None,
) -> int:
    """Count each open assessment's due date again against ``calendar`` after a calendar
    change, ``keep(stored, counted)`` saying which date stands; audit each one that moves.

    A completed assessment keeps its date. The write is guarded (still open, date unchanged),
    so an assessment completed meanwhile is not touched; its ``version`` stays as it is, so a
    form already open on it is not refused for a change nobody made there. How many moved.
    """
    today = london_date(now)
    assessments = db.session.scalars(
        select(ImpactAssessment)
        .where(ImpactAssessment.status == AssessmentStatus.OPEN, ImpactAssessment.due_on >= today)
        .order_by(ImpactAssessment.id)
    )
    changed = 0
    for assessment in list(assessments):
        old = assessment.due_on
        new = keep(old, review_due_date(assessment, calendar))
        if new == old:
            continue
        moved = db.session.execute(
            update(ImpactAssessment)
            .where(
                ImpactAssessment.id == assessment.id,
                ImpactAssessment.status == AssessmentStatus.OPEN,
                ImpactAssessment.due_on == old,
            )
            .values(due_on=new)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(assessment)
        if moved.rowcount != 1:
            continue
        audit.record(
            actor,
            now,
            "impact_assessment.due_recomputed",
            "impact_assessment",
            assessment.id,
            f"Due date of the Equality Impact Assessment {assessment.id} moved from {old} to "
            f"{new} after a calendar change",
            before={"due_on": old},
            after={"due_on": new, **(because or {})},
        )
        changed += 1
    db.session.flush()
    return changed


def open_for_review(actor, now: datetime, review: PanelReview) -> ImpactAssessment | None:
    """Open the assessment a just-recorded review asks for (None if it asks for none).

    Called by the Panel review's own step, in its transaction: the review is checked there,
    so this needs no permission of its own.
    """
    if not review.eia_needed:
        return None
    incident = db.session.get(Incident, review.incident_id)
    assessment = ImpactAssessment(
        panel_review_id=review.id,
        incident_id=review.incident_id,
        customer_id=incident.customer_id,
        opened_at=now,
        due_on=due_date(review.reviewed_at).due,
        status=AssessmentStatus.OPEN,
        considered="",
        adjustments="",
        version=1,
    )
    db.session.add(assessment)
    db.session.flush()
    audit.record(
        actor,
        now,
        "impact_assessment.opened",
        "impact_assessment",
        assessment.id,
        f"Equality Impact Assessment opened for {incident.reference}",
        after=audit.snapshot(assessment, ["incident_id", "due_on", "status"]),
    )
    return assessment


def for_review(review_id: int) -> ImpactAssessment | None:
    return db.session.scalar(
        select(ImpactAssessment).where(ImpactAssessment.panel_review_id == review_id)
    )


def assignable_staff() -> list[User]:
    """Active staff who may complete an assessment, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(ASSIGNABLE_ROLES))),
            )
            .order_by(User.name, User.id)
        )
    )


def _changed_meanwhile(assessment: ImpactAssessment) -> Conflict:
    db.session.refresh(assessment)
    if not assessment.is_open:
        by = assessment.completed_by.name if assessment.completed_by else None
        return Conflict(
            str(AssessmentStatus.COMPLETED.title),
            by=by,
            at=assessment.completed_at,
            message=Problem(
                "impact_assessment.completed",
                _l("The outcome of this assessment has already been recorded."),
            ),
        )
    return Conflict(
        str(AssessmentStatus.OPEN.title),
        message=Problem(
            "impact_assessment.changed",
            _l("Someone changed this assessment after you opened it. Check it and try again."),
        ),
    )


def _save(assessment: ImpactAssessment, version, values: dict) -> None:
    """Write ``values`` if the assessment is still open and at ``version``.

    :raises Conflict: if it was completed or changed since.
    """
    if not isinstance(version, int) or isinstance(version, bool):
        version = -1
    saved = db.session.execute(
        update(ImpactAssessment)
        .where(
            ImpactAssessment.id == assessment.id,
            ImpactAssessment.version == version,
            ImpactAssessment.status == AssessmentStatus.OPEN,
        )
        .values(version=ImpactAssessment.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if saved.rowcount != 1:
        raise _changed_meanwhile(assessment)
    db.session.refresh(assessment)


def assign(actor, now: datetime, assessment: ImpactAssessment, assignee_id, version) -> None:
    """Give the assessment to a member of the Panel or the CEM, or to no one (None).

    :raises ServiceError: if the person may not complete assessments.
    :raises Conflict: if the assessment was completed or changed since the page was shown.
    """
    _must_manage(actor)
    if assignee_id is not None:
        allowed = {u.id for u in assignable_staff()}
        if assignee_id not in allowed:
            raise ServiceError(
                {
                    "assigned_to": Problem(
                        "impact_assessment.assignee_unknown",
                        _l("Choose someone from the list"),
                    )
                }
            )
    before = audit.snapshot(assessment, ["assigned_to_id"])
    _save(assessment, version, {"assigned_to_id": assignee_id})
    audit.record(
        actor,
        now,
        "impact_assessment.assigned",
        "impact_assessment",
        assessment.id,
        "Equality Impact Assessment given to someone" if assignee_id else "Assessment unassigned",
        before=before,
        after=audit.snapshot(assessment, ["assigned_to_id"]),
    )


def complete(
    actor,
    now: datetime,
    assessment: ImpactAssessment,
    outcome,
    considered,
    adjustments,
    version,
) -> ImpactAssessment:
    """Record the outcome: what was considered, what was adjusted, and what it found (once).

    :raises ServiceError: with a message for each field that is wrong.
    :raises Conflict: if someone completed or changed it since the page was shown.
    """
    _must_manage(actor)
    considered, adjustments = _text(considered), _text(adjustments)
    errors: dict[str, Problem] = {}
    try:
        outcome = AssessmentOutcome(outcome)
    except ValueError:
        outcome = None
        errors["outcome"] = Problem(
            "impact_assessment.outcome_missing", _l("Choose what the assessment found")
        )
    if not considered:
        errors["considered"] = Problem(
            "impact_assessment.considered_missing",
            _l("Say what was considered: the customer's needs and how the action affects them"),
        )
    if outcome is not None and outcome.needs_adjustments and not adjustments:
        errors["adjustments"] = Problem(
            "impact_assessment.adjustments_missing", _l("Describe the adjustments made")
        )
    for name, value in (("considered", considered), ("adjustments", adjustments)):
        if len(value) > TEXT_MAX:
            errors[name] = Problem(
                "impact_assessment.too_long",
                _l("Keep this to %(max)d characters or fewer", max=TEXT_MAX),
            )
    if errors:
        raise ServiceError(errors)
    _save(
        assessment,
        version,
        {
            "status": AssessmentStatus.COMPLETED,
            "outcome": outcome,
            "considered": considered,
            "adjustments": adjustments,
            "completed_at": now,
            "completed_by_id": actor.id,
        },
    )
    audit.record(
        actor,
        now,
        "impact_assessment.completed",
        "impact_assessment",
        assessment.id,
        f"Equality Impact Assessment completed: {outcome.value}",
        before={"status": AssessmentStatus.OPEN},
        after=audit.snapshot(assessment, FIELDS),
    )
    return assessment
