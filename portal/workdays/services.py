"""Closure days: the working calendar on record, and adding or removing a closure day.

Moving the deadlines that a change of calendar moves is :mod:`portal.deadlines`'s job: the
calendar knows nothing of incidents, restrictions or appeals.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from portal import db
from portal.audit import services as audit
from portal.errors import Problem, ServiceError
from portal.workdays.calendar import WorkingCalendar
from portal.workdays.models import Closure

# PostgreSQL's advisory lock on the calendar (the audit trail's is 7301).
CALENDAR_LOCK = 7302


def hold_calendar(changing: bool = False) -> None:
    """Hold the working calendar until this transaction ends: alone (``changing``) to change
    it and recompute the dates counted with it, or beside others to store a date counted with
    it (an appeal's arrival, its expected outcome, a review's due date).

    So a date is either counted after a calendar change is committed, or committed before the
    change's recompute reads it: never counted on the old calendar and missed by the
    recompute. Call it first, before the step locks or writes anything, so that the calendar
    is always locked before any row. On SQLite the write lock does this (a writing request
    holds it from its start).
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        how = "pg_advisory_xact_lock" if changing else "pg_advisory_xact_lock_shared"
        # On the connection, not the session: nothing pending is flushed before the lock.
        session.connection().execute(text(f"SELECT {how}({CALENDAR_LOCK})"))
    else:
        db.take_write_lock(session)


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
        raise ServiceError(
            {
                "reason": Problem(
                    "closure.reason_missing", _l("Enter why the organisation is closed")
                )
            }
        )
    if db.session.scalar(select(Closure.id).where(Closure.day == day)):
        already = _l("%(day)s is already a closure day", day=f"{day:%-d %B %Y}")
        raise ServiceError({"day": Problem("closure.day_taken", already)})
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
