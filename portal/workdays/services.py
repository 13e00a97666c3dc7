"""Closure days: the working calendar on record, and adding or removing a closure day.

Moving the deadlines that a change of calendar moves is :mod:`portal.deadlines`'s job: the
calendar knows nothing of incidents, restrictions or appeals.
"""

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


def closures() -> list[Closure]:
    """Every closure day on record, earliest first."""
    return list(db.session.scalars(select(Closure).order_by(Closure.day)))


def add_closure_day(actor, now: datetime, day: date, reason: str) -> Closure:
    """Record a closure day (deadlines stay put: :func:`portal.deadlines.add_closure` moves them).

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
    return closure


def remove_closure_day(actor, now: datetime, closure: Closure) -> None:
    """Remove a closure day (:func:`portal.deadlines.remove_closure` also moves deadlines)."""
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
