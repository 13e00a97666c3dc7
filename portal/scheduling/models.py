"""A record of each daily job's run: one row per job per day, claimed before the job runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class ScheduledRun(Base):
    """One day's run of one daily job.

    The row is written in the same transaction as the job's work, and (job, day) is unique, so
    a job's work is committed once a day however many workers try to run it.
    """

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("job", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    day: Mapped[date]  # the Europe/London date it ran for
    ran_by: Mapped[str] = mapped_column(String(64))  # the worker (host:process:random)
    ran_at: Mapped[datetime]
    summary: Mapped[str] = mapped_column(Text, default="")  # what it did, for the operator
