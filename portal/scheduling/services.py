"""Run a daily job once a day, whatever the number of workers trying to run it."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from portal import db
from portal.enums import TitledEnum
from portal.scheduling.models import ScheduledRun
from portal.timeutil import london


@dataclass(frozen=True)
class DailyJob:
    name: str
    # Does the day's work given the time (flush only: it commits with the day's record) and
    # says what it did, e.g. "Queued 3 emails".
    run: Callable[[datetime], str]


class Outcome(TitledEnum):
    RAN = "ran"
    NOT_YET = "not_yet"  # before today's time
    DONE_TODAY = "done_today"  # this or another worker ran it today
    BUSY = "busy"  # another worker is running it now


def ran_on(job: str, day: date) -> ScheduledRun | None:
    """The record of ``job``'s run for ``day``, if it ran."""
    return db.session.scalar(
        select(ScheduledRun).where(ScheduledRun.job == job, ScheduledRun.day == day)
    )


def run_daily(job: DailyJob, now: datetime, at: time, worker: str) -> tuple[Outcome, str]:
    """Run ``job`` for today (Europe/London) if its time ``at`` has come and no worker has run it
    today; return the outcome and what the job did.

    The day's ``scheduled_run`` row is written first, in the same transaction as the job's
    work, and (job, day) is unique: the work is committed once a day, or not at all (a job
    that fails is rolled back, row and all, and tried again on a later pass). On PostgreSQL a
    transaction-scoped advisory lock is taken first, so a second worker sees at once that the
    job is running rather than waiting on the first one's row; on SQLite the row's INSERT is
    the transaction's first statement, so it waits for the write lock instead.

    :raises Exception: whatever the job raises (after rolling back).
    """
    local = london(now)
    day = local.date()
    if local.time() < at:
        return Outcome.NOT_YET, ""
    done = ran_on(job.name, day)
    db.session.commit()  # end the read: the claim below must begin its own transaction
    if done is not None:
        return Outcome.DONE_TODAY, done.summary
    try:
        record = _claim(job.name, day, worker, now)
    except OperationalError as exc:
        db.session.rollback()
        if _is_sqlite() and "locked" in str(exc.orig):
            return Outcome.BUSY, ""  # another worker holds the write lock for its run
        raise
    if record is None:
        db.session.rollback()
        done = ran_on(job.name, day)
        db.session.commit()
        return (Outcome.DONE_TODAY, done.summary) if done else (Outcome.BUSY, "")
    try:
        summary = job.run(now)
        record.summary = summary
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return Outcome.RAN, summary


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _lock_key(job: str) -> int:
    return zlib.crc32(f"scheduled_run:{job}".encode())


def _claim(job: str, day: date, worker: str, now: datetime) -> ScheduledRun | None:
    """Write the day's row for ``job`` (uncommitted); None if it is there or being written."""
    dialect = db.session.get_bind().dialect.name
    values = {"job": job, "day": day, "ran_by": worker[:64], "ran_at": now, "summary": ""}
    if dialect == "postgresql":
        got = db.session.scalar(select(func.pg_try_advisory_xact_lock(_lock_key(job))))
        if not got:
            return None
        statement = postgresql.insert(ScheduledRun).on_conflict_do_nothing(
            index_elements=["job", "day"]
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(ScheduledRun).on_conflict_do_nothing(
            index_elements=["job", "day"]
        )
    else:  # the portal runs on PostgreSQL or SQLite; this keeps others correct, if slower
        statement = insert(ScheduledRun)
    try:
        new_id = db.session.scalar(statement.values(values).returning(ScheduledRun.id))
    except IntegrityError:
        return None  # the caller rolls back
    return None if new_id is None else db.session.get(ScheduledRun, new_id)
