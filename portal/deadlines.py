"""Stored deadlines kept in step with the working calendar (spec §7).

The calendar (:mod:`portal.workdays`) counts working days and knows nothing of the policy; the
domain packages store the due dates they count with it. When the calendar or the deadline
settings change, this module, above both, records the change and then recomputes every stored
deadline that it moves, auditing each one. The closures page and any command that changes the
calendar call the functions here, never :mod:`portal.workdays` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, or_, select

from portal import db
from portal.appeals import due_dates as appeal_due_dates
from portal.appeals import queries as appeal_queries
from portal.appeals import rules as appeal_rules
from portal.appeals.lodging import decision_key
from portal.appeals.models import Appeal, AppealStatus
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.i18n import long_date
from portal.impact import services as impact
from portal.impact.models import ImpactAssessment
from portal.incidents.models import Incident
from portal.incidents.services import recompute_review_due
from portal.organisation import services as organisation
from portal.organisation.models import Organisation
from portal.restrictions import rules as restriction_rules
from portal.restrictions.models import Restriction, RestrictionStatus
from portal.timeutil import london_date
from portal.workdays import services as workdays
from portal.workdays.calendar import WorkingCalendar, upcoming_bank_holidays
from portal.workdays.models import Closure  # the closures page loads one by id

# The organisation's settings that a deadline is counted with.
DEADLINE_SETTINGS = ("panel_review_days", "panel_review_unit", "cutoff_time")

# The audit action that records a recomputed date, by the kind of record it belongs to.
MOVED = {
    "incident": "incident.review_due_recomputed",
    "restriction": "restriction.appeal_deadline_recomputed",
    "appeal": "appeal.deadlines_recomputed",
    "impact_assessment": "impact_assessment.due_recomputed",
}
ENTITY = {
    Incident: "incident",
    Restriction: "restriction",
    Appeal: "appeal",
    ImpactAssessment: "impact_assessment",
}
# The audit action that records an open appeal's step due dates counted again.
STEP_DUES_MOVED = "appeal.step_dues_recomputed"
# What an audit entry of a recomputed date says about the cause, beside the dates.
CAUSES = ("closure_added", "closure_removed")


@dataclass(frozen=True)
class CalendarChange:
    """The closure day whose adding (or removal) moves the deadlines."""

    day: date
    added: bool

    def audited(self) -> dict:
        return {"closure_added" if self.added else "closure_removed": self.day}


def recomputed_date(stored: date, counted: date, today: date, told: date | None = None) -> date:
    """The date a recompute leaves in place of ``stored``, newly ``counted`` with the calendar.

    A date already over (before ``today``) stays as it was: what happened by then was judged
    against it. No date is moved into the past either: that would take away a day someone
    still had. And the last day to appeal never moves before ``told``, the date the customer
    was given in writing (§8.20), so removing a closure can undo only what a closure moved.
    """
    if stored < today or counted < today:
        return stored
    return max(counted, told) if told is not None else counted


def recompute_open_deadlines(actor, now: datetime, change: CalendarChange | None = None) -> int:
    """Recompute every stored deadline of every open record against the current calendar: the
    Panel's review (§8.7), the last day to appeal a decision (§9.1), the day an appeal sent
    today counts from (§9.1), the expected outcome of an appeal (§9.1, §9.3, §9.4) and the
    due date of an Equality Impact Assessment not yet completed (§4.7). Each
    date that changes gets one audit entry with the old date, the new date and the closure day
    that moved it (see :func:`recomputed_date`). Each open appeal's step due dates, which
    follow from these, are counted again too (:func:`recompute_step_dues`).

    Returns how many dates moved, not counting the step due dates.
    """
    workdays.hold_calendar(changing=True)  # no date is counted with it meanwhile
    calendar = workdays.load_calendar()
    because = change.audited() if change else {}
    moved = (
        recompute_review_due(actor, now, calendar, because)
        + _recompute_appeal_deadlines(actor, now, calendar, because)
        + _recompute_arrivals(actor, now, calendar, because)
        + _recompute_expected_outcomes(actor, now, calendar, because)
        + impact.recompute_due_dates(
            actor, now, calendar, partial(recomputed_date, today=london_date(now)), because
        )
    )
    recompute_step_dues(actor, now, calendar, because)
    return moved


def recompute_step_dues(actor, now: datetime, calendar: WorkingCalendar, because: dict) -> int:
    """Count each open appeal's step due dates (§9.1–9.4) again against ``calendar`` and the
    cut-off on record, as :func:`recomputed_date` allows, with one audit entry per appeal
    whose dates moved (a date not stored yet is stored without one). How many dates moved."""
    today = london_date(now)
    cutoff = organisation.get_organisation().cutoff_time
    keep = partial(recomputed_date, today=today)
    changed = 0
    for batch in appeal_queries.open_appeals_in_batches():
        for appeal in batch:
            before, after = appeal_due_dates.recount(appeal, calendar, cutoff, keep)
            if not before:
                continue
            moves = ", ".join(f"{field} {before[field]} → {after[field]}" for field in before)
            audit.record(
                actor,
                now,
                STEP_DUES_MOVED,
                "appeal",
                appeal.id,
                f"Step due dates of appeal {appeal.reference} moved after a calendar change: "
                f"{moves}",
                before=before,
                after={**after, **because},
            )
            changed += len(before)
        db.session.flush()
    return changed


def _first_told(entity_type: str, ids: list[int], field: str) -> dict[int, date]:
    """For each record a recompute has moved, the date it had before the first move."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.entity_id, AuditEvent.before)
        .where(
            AuditEvent.action == MOVED[entity_type],
            AuditEvent.entity_type == entity_type,
            AuditEvent.entity_id.in_(ids),
        )
        .order_by(AuditEvent.id)
    )
    told: dict[int, date] = {}
    for entity_id, before in rows:
        if before and field in before and entity_id not in told:
            told[entity_id] = date.fromisoformat(before[field])
    return told


def _recompute_appeal_deadlines(
    actor, now: datetime, calendar: WorkingCalendar, because: dict
) -> int:
    """The last day to appeal of each decision in force not yet appealed, and of the drafts
    against it (§9.1). Once an appeal is sent, its deadline has done its work and stays."""
    today = london_date(now)
    restrictions = list(
        db.session.scalars(
            select(Restriction)
            .where(
                Restriction.status == RestrictionStatus.ACTIVE,
                Restriction.notified_on.is_not(None),
                Restriction.appeal_deadline >= today,
            )
            .order_by(Restriction.id)
        )
    )
    if not restrictions:
        return 0
    keys = {decision_key(r) for r in restrictions}
    appealed = set(
        db.session.scalars(select(Appeal.decision_key).where(Appeal.decision_key.in_(keys)))
    )
    restrictions = [r for r in restrictions if decision_key(r) not in appealed]
    told = _first_told("restriction", [r.id for r in restrictions], "appeal_deadline")
    changed = 0
    for restriction in restrictions:
        old = restriction.appeal_deadline
        counted = restriction_rules.appeal_deadline(restriction.notified_on, calendar).due
        new = recomputed_date(old, counted, today, told.get(restriction.id, old))
        if new == old:
            continue
        restriction.appeal_deadline = new
        audit.record(
            actor,
            now,
            MOVED["restriction"],
            "restriction",
            restriction.id,
            f"Last day to appeal the restriction on {restriction.customer.reference} moved "
            f"from {old} to {new} after a calendar change",
            before={"appeal_deadline": old},
            after={"appeal_deadline": new, **because},
        )
        changed += 1
    by_id = {r.id: r for r in restrictions}
    drafts = db.session.scalars(
        select(Appeal)
        .where(
            Appeal.status == AppealStatus.DRAFT,
            Appeal.restriction_id.in_(by_id),
            Appeal.deadline >= today,
        )
        .order_by(Appeal.id)
    )
    changed += _move_appeal_dates(
        actor,
        now,
        drafts,
        "deadline",
        lambda draft: by_id[draft.restriction_id].appeal_deadline,
        because,
    )
    db.session.flush()
    return changed


def _recompute_arrivals(actor, now: datetime, calendar: WorkingCalendar, because: dict) -> int:
    """The day each appeal counts from, where that is not yet past: an appeal that arrived
    today on what is now a closure day counts from the next working day, as its clock (and so
    every step's due date) already counts it (§9.1)."""
    today = london_date(now)
    cutoff = organisation.get_organisation().cutoff_time
    appeals = db.session.scalars(
        select(Appeal).where(Appeal.counted_from >= today).order_by(Appeal.id)
    )
    changed = _move_appeal_dates(
        actor,
        now,
        appeals,
        "counted_from",
        lambda appeal: appeal_rules.arrival(appeal.received_at, cutoff, calendar).counted_from,
        because,
    )
    db.session.flush()
    return changed


def _recompute_expected_outcomes(
    actor, now: datetime, calendar: WorkingCalendar, because: dict
) -> int:
    """The outcome date an acknowledged appeal's customer was given (§9.1), until GLT has
    reviewed it; from then the outcome letter's own due date (§9.4) is counted as it goes."""
    today = london_date(now)
    cutoff = organisation.get_organisation().cutoff_time
    appeals = db.session.scalars(
        select(Appeal)
        .where(
            Appeal.status.in_((AppealStatus.ACKNOWLEDGED, AppealStatus.WITH_GLT)),
            Appeal.reviewed_on.is_(None),
            Appeal.expected_outcome_on >= today,
        )
        .order_by(Appeal.id)
    )
    changed = _move_appeal_dates(
        actor,
        now,
        appeals,
        "expected_outcome_on",
        lambda appeal: (
            appeal_rules.appeal_clock(appeal.received_at, cutoff, calendar).expected_outcome
        ),
        because,
    )
    db.session.flush()
    return changed


def _move_appeal_dates(actor, now: datetime, appeals, field: str, counted, because) -> int:
    """Move ``field`` of each appeal to the date ``counted(appeal)`` gives (where
    :func:`recomputed_date` allows), auditing each move; how many moved."""
    today = london_date(now)
    changed = 0
    for appeal in appeals:
        old = getattr(appeal, field)
        new = recomputed_date(old, counted(appeal), today)
        if new != old:
            setattr(appeal, field, new)
            _audit_appeal(actor, now, appeal, {field: old}, {field: new}, because)
            changed += 1
    return changed


def _audit_appeal(actor, now: datetime, appeal: Appeal, before: dict, after: dict, because):
    [(field, old)] = before.items()
    audit.record(
        actor,
        now,
        MOVED["appeal"],
        "appeal",
        appeal.id,
        f"{field} of appeal {appeal.reference or appeal.id} moved from {old} to {after[field]} "
        "after a calendar change",
        before=before,
        after={**after, **because},
    )


def add_closure(actor, now: datetime, day: date, reason: str) -> Closure:
    """Add a closure day, then recompute open deadlines.

    :raises ServiceError: for a day already closed, or no reason.
    """
    # First, before any row is locked: a step counting a date meanwhile waits, or goes first.
    workdays.hold_calendar(changing=True)
    closure = workdays.add_closure_day(actor, now, day, reason)
    recompute_open_deadlines(actor, now, CalendarChange(day, added=True))
    return closure


def remove_closure(actor, now: datetime, closure: Closure) -> None:
    """Remove a closure day, then recompute open deadlines."""
    workdays.hold_calendar(changing=True)
    day = closure.day
    workdays.remove_closure_day(actor, now, closure)
    recompute_open_deadlines(actor, now, CalendarChange(day, added=False))


@dataclass(frozen=True)
class MovedDates:
    """Which dates on a page stand where a closure day moved them: (kind, id, field) → the
    closure day. Pages ask :meth:`note` for the sentence to show beside the date."""

    closures: dict[tuple[str, int, str], date]

    def closure(self, record, field: str) -> date | None:
        kind = ENTITY.get(type(record))
        return self.closures.get((kind, record.id, field)) if kind else None

    def note(self, record, field: str) -> str:
        """ "Moved because of the closure on …", or "" for a date no closure moved."""
        day = self.closure(record, field) if record is not None else None
        if day is None:
            return ""
        return _("Moved because of the closure on %(date)s.", date=long_date(day))


@cache
def _moved_statement(kinds: tuple[str, ...]):
    """The recompute entries for records of ``kinds``, their ids bound as ``ids_<kind>``:
    built once per process for each set of kinds."""
    return (
        select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.after)
        .where(
            or_(
                *(
                    and_(
                        AuditEvent.action == MOVED[kind],
                        AuditEvent.entity_type == kind,
                        AuditEvent.entity_id.in_(bindparam(f"ids_{kind}", expanding=True)),
                    )
                    for kind in kinds
                )
            )
        )
        .order_by(AuditEvent.id)
    )


def moved_dates(*records) -> MovedDates:
    """Which stored dates of ``records`` a closure day moved to where they are now, read from
    the audit entries of the recompute (one query). A date moved back when the closure was
    removed, or moved again since, is not explained by that closure."""
    ids: dict[str, dict[int, object]] = {}
    for record in records:
        if record is not None and type(record) in ENTITY:
            ids.setdefault(ENTITY[type(record)], {})[record.id] = record
    if not ids:
        return MovedDates({})
    kinds = tuple(sorted(ids))
    rows = db.session.execute(
        _moved_statement(kinds), {f"ids_{kind}": list(ids[kind]) for kind in kinds}
    )
    latest: dict[tuple[str, int, str], dict] = {}
    for kind, entity_id, after in rows:
        for field in after or {}:
            if field not in CAUSES:
                latest[(kind, entity_id, field)] = after
    closures = {}
    for (kind, entity_id, field), after in latest.items():
        current = getattr(ids[kind][entity_id], field, None)
        added = after.get("closure_added")
        if added and current is not None and current.isoformat() == after[field]:
            closures[(kind, entity_id, field)] = date.fromisoformat(added)
    return MovedDates(closures)


def update_organisation(actor, now: datetime, changes: dict) -> Organisation:
    """Change the organisation's details; a change to a deadline setting recomputes open
    deadlines.

    :raises ServiceError: as :func:`portal.organisation.services.update_organisation`.
    """
    workdays.hold_calendar(changing=True)  # the cut-off and the Panel's days count dates too
    org = organisation.get_organisation()
    before = {name: getattr(org, name) for name in DEADLINE_SETTINGS}
    org = organisation.update_organisation(actor, now, changes)
    if any(getattr(org, name) != before[name] for name in DEADLINE_SETTINGS):
        recompute_open_deadlines(actor, now)
    return org


@dataclass(frozen=True)
class CalendarSummary:
    """What the closures page shows: the closure days on record and the coming bank holidays."""

    closures: list[Closure]
    bank_holidays: list[tuple[date, str]]


def calendar_summary(today: date) -> CalendarSummary:
    return CalendarSummary(workdays.closures(), upcoming_bank_holidays(today))
