"""Where an appeal has got to (§9.1–9.4) on a given day: its steps, each step's due date and
status, and the step it waits on now.

One function, :func:`progress`, for the case page, the staff home page, the reminders and the
customer's progress page, so that they can never disagree; the tracker
(:mod:`portal.appeals.tracker`) reads the step each appeal waits on with the same rules and
is tested against it. It reads the due dates stored on the appeal
(:mod:`portal.appeals.due_dates`); only a page that explains how each date was counted counts
them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from typing import NamedTuple

from flask_babel import format_time
from flask_babel import gettext as _

from portal.appeals import due_dates, rules, wording
from portal.appeals.models import Appeal
from portal.appeals.queries import open_appeals
from portal.i18n import long_date
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

    @property
    def is_late(self) -> bool:
        """Its due date has passed and it has not happened."""
        return self.status == "overdue"


@dataclass(frozen=True)
class Progress:
    appeal: Appeal
    clock: rules.AppealClock
    steps: tuple[StepProgress, ...]
    # The date a late step is now aimed for (rules.catch_up_date), and the day looked at.
    catch_up: date | None = None
    today: date | None = None
    # What the dates are counted with, for :attr:`projected`.
    calendar: WorkingCalendar | None = field(default=None, repr=False, compare=False)
    cutoff: time | None = None

    @cached_property
    def projected(self) -> rules.AppealClock:
        """The due dates again, with each late step taken as done on ``catch_up``: the steps
        after a late one count from the day it is now aimed for, not its due date."""
        late = {row.key for row in self.steps if row.is_late}
        if not late & {"to_glt", "glt_review"} or self.calendar is None:
            return self.clock
        appeal = self.appeal
        return rules.appeal_clock(
            appeal.received_at,
            self.cutoff,
            self.calendar,
            referred_on=appeal.referred_on or (self.catch_up if "to_glt" in late else None),
            reviewed_on=appeal.reviewed_on or (self.catch_up if "glt_review" in late else None),
        )

    @property
    def current(self) -> StepProgress | None:
        """The first step not done yet, or None when every step is done."""
        return next((s for s in self.steps if s.step.done_on is None), None)

    @property
    def expected_outcome(self) -> date:
        return self.clock.expected_outcome

    def step(self, key: str) -> rules.Step:
        return self.clock.step(key)

    def at(self, key: str) -> StepProgress:
        """The step ``key`` with its status."""
        return next(s for s in self.steps if s.key == key)

    @property
    def arrival(self) -> rules.Arrival:
        """When the appeal really arrived and the day its clock counts from."""
        return self.clock.arrival

    @property
    def outcome_by(self) -> date:
        """The date the customer expects the outcome letter by: the date given on
        acknowledgement until GLT has decided, then 5 working days from the review (§9.4)."""
        if self.appeal.reviewed_on:
            return self.step("tell_customer").due
        return self.appeal.expected_outcome_on or self.expected_outcome

    def expected(self, key: str) -> date:
        """The date a step not yet taken is now expected by: its due date (for the outcome,
        :attr:`outcome_by`), or later if an earlier step it counts from is late."""
        promised = self.outcome_by if key == "tell_customer" else self.step(key).due
        return max(promised, self.projected.step(key).due)

    def is_late(self, key: str) -> bool:
        """Whether the date promised for ``key`` has passed with the step not taken. For
        telling the customer the outcome, the promise is :attr:`outcome_by`."""
        if key == "tell_customer":
            told = self.appeal.customer_told_on is not None
            return not told and self.today is not None and self.today > self.outcome_by
        return self.at(key).is_late

    def arrival_text(self) -> str:
        """For the customer: when their appeal arrived and, if later, the day we count from."""
        return wording.arrival_sentence(self.arrival)

    def arrival_summary(self) -> str:
        """For staff: "Arrived …; counted from …, the next working day (why)"."""
        return arrival_summary(self.arrival)

    def told(self, key: str) -> str:
        """For the customer: what happened at step ``key``, or by when it will; a late step
        says so, says sorry and gives the new date (:func:`rules.catch_up_date`)."""
        return wording.customer_step_sentence(self, key)

    def overdue_note(self, key: str, dated=long_date) -> str:
        """For staff: "Overdue since <due date>; now aim for <date>.", or "" if not late;
        each date written by ``dated``."""
        if not self.at(key).is_late:
            return ""
        return _(
            "Overdue since %(due)s; now aim for %(date)s.",
            due=dated(self.at(key).due),
            date=dated(self.catch_up),
        )

    @property
    def urgency(self) -> int:
        current = self.current
        return URGENCY.get(current.status, len(URGENCY)) if current else len(URGENCY)


def clock(appeal: Appeal, calendar: WorkingCalendar, cutoff: time) -> rules.AppealClock:
    """Every step's due date for ``appeal``, counted against ``calendar``."""
    return due_dates.count(appeal, calendar, cutoff)


def stored_clock(
    appeal: Appeal, calendar: WorkingCalendar, cutoff: time, explain: bool = False
) -> rules.AppealClock:
    """Every step's due date for ``appeal`` as stored on it (counted while none is stored).
    With ``explain``, each step also carries how its date was counted, where that count
    gives the stored date."""
    counted = clock(appeal, calendar, cutoff) if explain else None
    steps = due_dates.stored_steps(appeal, counted)
    if steps is None:
        return counted or clock(appeal, calendar, cutoff)
    steps = tuple(
        step
        if step.deadline is None or step.deadline.due == step.due_on
        else rules.Step(step.key, None, step.done_on, step.due_on)
        for step in steps
    )
    arrival = rules.arrival(appeal.received_at, cutoff, calendar)
    counted_from = appeal.counted_from or arrival.counted_from
    return rules.AppealClock(counted_from, counted.received_note if counted else "", steps, arrival)


def progress(
    appeal: Appeal,
    today: date,
    calendar: WorkingCalendar,
    cutoff: time,
    explain: bool = False,
) -> Progress:
    """Where ``appeal`` is on ``today``: each step with its stored due date and status (and,
    with ``explain``, how each date was counted)."""
    steps = stored_clock(appeal, calendar, cutoff, explain)
    rows = tuple(StepProgress(s, rules.tracker_status(s, today, calendar)) for s in steps.steps)
    catch_up = rules.catch_up_date(today, calendar)
    return Progress(appeal, steps, rows, catch_up, today, calendar, cutoff)


def arrival_summary(arrival: rules.Arrival) -> str:
    """The staff line: "Arrived …; counted from …, the next working day (why)"."""
    if not arrival.moved:
        return long_date(arrival.arrived_on)
    why = {
        rules.WEEKEND: _("a weekend"),
        rules.BANK_HOLIDAY: _("bank holiday: %(name)s", name=arrival.name),
        rules.CLOSURE: _("closed: %(name)s", name=arrival.name),
        rules.AFTER_CUTOFF: _("after the %(cutoff)s cut-off", cutoff=f"{arrival.cutoff:%H:%M}"),
    }[arrival.because]
    return _(
        "Arrived %(time)s on %(arrived)s; counted from %(counted)s, the next working day "
        "(%(why)s).",
        time=format_time(arrival.arrived_at, "HH:mm"),
        arrived=long_date(arrival.arrived_on),
        counted=long_date(arrival.counted_from),
        why=why,
    )


def for_appeal(appeal: Appeal, today: date) -> Progress:
    """:func:`progress` against the calendar and cut-off on record, with how each date was
    counted."""
    return progress(appeal, today, load_calendar(), get_organisation().cutoff_time, explain=True)


def for_appeals(
    appeals: list[Appeal], today: date, calendar: WorkingCalendar | None = None
) -> list[Progress]:
    """:func:`progress` of each of ``appeals``, in order, loading the calendar once."""
    calendar = calendar or load_calendar()
    cutoff = get_organisation().cutoff_time
    return [progress(appeal, today, calendar, cutoff) for appeal in appeals]


def for_open_appeals(today: date, calendar: WorkingCalendar | None = None) -> list[Progress]:
    """:func:`progress` of every open appeal, oldest first, loading the calendar once."""
    return for_appeals(open_appeals(), today, calendar)


def most_pressing_first(rows: list[Progress]) -> list[Progress]:
    """Overdue first, then due today, due soon and on track (a stable sort: oldest first)."""
    return sorted(rows, key=lambda row: row.urgency)
