"""Where an appeal has got to (§9.1–9.4) on a given day: its steps, each step's due date and
status, and the step it waits on now.

One function, :func:`progress`, for the tracker, the case page, the staff home page, the
reminders and the customer's progress page, so that they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import NamedTuple

from portal.appeals import rules
from portal.appeals.models import Appeal
from portal.appeals.queries import open_appeals
from portal.organisation.services import get_organisation
from portal.workdays.calendar import WorkingCalendar
from portal.workdays.services import load_calendar

# The tracker lists the most pressing first; an appeal with no step left comes last.
URGENCY = {"overdue": 0, "due_today": 1, "due_soon": 2, "on_track": 3}


class StepProgress(NamedTuple):
    """One step and its status: done, done_late, overdue, due_today, due_soon or on_track."""

    step: rules.Step
    status: str

    @property
    def key(self) -> str:
        return self.step.key

    @property
    def due(self) -> date:
        return self.step.due

    @property
    def attention(self) -> str | None:
        """Whether the step needs chasing: overdue, due soon (today or the next working day),
        or not yet (None). The reminders and the staff home page count these."""
        if self.status == "overdue":
            return "overdue"
        if self.status in ("due_today", "due_soon"):
            return "due_soon"
        return None


@dataclass(frozen=True)
class Progress:
    appeal: Appeal
    clock: rules.AppealClock
    steps: tuple[StepProgress, ...]

    @property
    def current(self) -> StepProgress | None:
        """The first step not done yet, or None when every step is done."""
        return next((s for s in self.steps if s.step.done_on is None), None)

    @property
    def expected_outcome(self) -> date:
        return self.clock.expected_outcome

    def step(self, key: str) -> rules.Step:
        return self.clock.step(key)

    @property
    def urgency(self) -> int:
        current = self.current
        return URGENCY.get(current.status, len(URGENCY)) if current else len(URGENCY)


def clock(appeal: Appeal, calendar: WorkingCalendar, cutoff: time) -> rules.AppealClock:
    """Every step's due date for ``appeal``, counted against ``calendar``."""
    return rules.appeal_clock(
        appeal.received_at,
        cutoff,
        calendar,
        acknowledged_on=appeal.acknowledged_on,
        referred_on=appeal.referred_on,
        reviewed_on=appeal.reviewed_on,
        cem_notified_on=appeal.cem_notified_on,
        customer_told_on=appeal.customer_told_on,
    )


def progress(appeal: Appeal, today: date, calendar: WorkingCalendar, cutoff: time) -> Progress:
    """Where ``appeal`` is on ``today``: each step with its due date and status."""
    steps = clock(appeal, calendar, cutoff)
    return Progress(
        appeal,
        steps,
        tuple(StepProgress(s, rules.tracker_status(s, today, calendar)) for s in steps.steps),
    )


def for_appeal(appeal: Appeal, today: date) -> Progress:
    """:func:`progress` against the calendar and cut-off on record."""
    return progress(appeal, today, load_calendar(), get_organisation().cutoff_time)


def for_open_appeals(today: date, calendar: WorkingCalendar | None = None) -> list[Progress]:
    """:func:`progress` of every open appeal, oldest first, loading the calendar once."""
    calendar = calendar or load_calendar()
    cutoff = get_organisation().cutoff_time
    return [progress(appeal, today, calendar, cutoff) for appeal in open_appeals()]


def most_pressing_first(rows: list[Progress]) -> list[Progress]:
    """Overdue first, then due today, due soon and on track (a stable sort: oldest first)."""
    return sorted(rows, key=lambda row: row.urgency)
