"""Closure days: add or remove them, and recompute open deadlines when the calendar changes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from portal import db
from portal.audit import services as audit
from portal.errors import ServiceError
from portal.workdays.calendar import WorkingCalendar
from portal.workdays.models import Closure


def load_calendar() -> WorkingCalendar:
    """Build the working calendar from the closure days on record."""
    rows = db.session.execute(select(Closure.day, Closure.reason)).all()
    return WorkingCalendar({row.day: row.reason for row in rows})


def add_closure(actor, now: datetime, day: date, reason: str) -> Closure:
    """Add a closure day, then recompute open deadlines.

    :raises ServiceError: if the day is already a closure day.
    """
    reason = reason.strip()
    if not reason:
        raise ServiceError({"reason": "Enter why the organisation is closed"})
    if db.session.scalar(select(Closure.id).where(Closure.day == day)):
        raise ServiceError({"day": f"{day:%-d %B %Y} is already a closure day"})
    closure = Closure(day=day, reason=reason[:120], added_by_id=actor.id, added_at=now)
    db.session.add(closure)
    db.session.flush()
    audit.record(
        actor,
        now,
        "closure.added",
        "closure_day",
        closure.id,
        f"Closure on {day}: {reason}",
        after={"day": day, "reason": closure.reason},
    )
    recompute_open_deadlines(actor, now)
    return closure


def remove_closure(actor, now: datetime, closure: Closure) -> None:
    """Remove a closure day, then recompute open deadlines."""
    before = {"day": closure.day, "reason": closure.reason}
    closure_id = closure.id
    db.session.delete(closure)
    db.session.flush()
    audit.record(
        actor,
        now,
        "closure.removed",
        "closure_day",
        closure_id,
        f"Closure removed: {before['day']}",
        before=before,
    )
    recompute_open_deadlines(actor, now)


def recompute_open_deadlines(actor, now: datetime) -> int:
    """Recompute every open deadline against the current calendar; audit each change."""
    from portal.incidents.services import recompute_review_due

    return recompute_review_due(actor, now, load_calendar())
