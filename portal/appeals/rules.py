"""The appeal clock (§9.1–9.4): each step's due date in working days, and whether it is on
track, due soon or overdue. Pure functions over a WorkingCalendar; no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from portal.timeutil import london
from portal.workdays.calendar import Deadline, WorkingCalendar, bank_holiday

APPEAL_WINDOW = 20  # working days from notification to lodge an appeal (§9.1)
ACKNOWLEDGE = 2  # from receipt, with the expected outcome date (§9.1)
TO_GLT = 5  # from receipt (§9.3)
GLT_REVIEW = 10  # from referral to GLT (§9.3)
NOTIFY_CEM = 2  # from the GLT review (§9.3)
TELL_CUSTOMER = 5  # from the GLT review (§9.4)

STEP_TITLES = {
    "acknowledge": _l("Acknowledge the appeal, with the expected outcome date"),
    "to_glt": _l("Pass the appeal to GLT"),
    "glt_review": _l("GLT reviews the appeal"),
    "notify_cem": _l("GLT tells the Customer Experience Manager the outcome"),
    "tell_customer": _l("Tell the customer the outcome in writing"),
}

STATUS_TITLES = {
    "done": _l("Done"),
    "done_late": _l("Done late"),
    "on_track": _l("On track"),
    "due_today": _l("Due today"),
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
}


# Why an appeal's clock starts later than the day it arrived (§9.1).
WEEKEND = "weekend"
BANK_HOLIDAY = "bank_holiday"
CLOSURE = "closure"
AFTER_CUTOFF = "after_cutoff"


@dataclass(frozen=True)
class Arrival:
    """When an appeal really arrived, and the working day its clock counts from (§9.1)."""

    arrived_at: datetime  # the real moment, as stored (``Appeal.received_at``)
    counted_from: date
    because: str | None = None  # None when it counts from the day it arrived
    name: str = ""  # the bank holiday's or the closure's name
    cutoff: time | None = None

    @property
    def arrived_on(self) -> date:
        """The London date it arrived."""
        return london(self.arrived_at).date()

    @property
    def moved(self) -> bool:
        """Counted from a later day than the one it arrived on."""
        return self.because is not None

    def explain(self) -> str:
        """Say when it arrived and why the count starts when it does (English; the audit trail)."""
        local = london(self.arrived_at)
        arrived = f"Arrived {local:%H:%M} on {local:%A %-d %B %Y}"
        if not self.moved:
            return f"{arrived}; counted from that day."
        why = {
            WEEKEND: "a weekend",
            BANK_HOLIDAY: f"bank holiday: {self.name}",
            CLOSURE: f"organisation closed: {self.name}",
            AFTER_CUTOFF: f"after the {self.cutoff:%H:%M} cut-off",
        }[self.because]
        return (
            f"{arrived}; counted from {self.counted_from:%A %-d %B %Y}, the next working day "
            f"({why})."
        )


def arrival(received_at: datetime, cutoff: time, calendar: WorkingCalendar) -> Arrival:
    """When an appeal arrived and the day its clock counts from: that day, or the next working
    day if it came at a weekend, on a bank holiday, on a day we were closed, or at or after
    the cut-off time (§9.1). A weekend or holiday is named before a closure on the same day."""
    counted_from, _note = calendar.received_on(received_at, cutoff)
    day = london(received_at).date()
    if counted_from == day:
        return Arrival(received_at, counted_from, cutoff=cutoff)
    if day.weekday() >= 5:
        return Arrival(received_at, counted_from, WEEKEND, cutoff=cutoff)
    if holiday := bank_holiday(day):
        return Arrival(received_at, counted_from, BANK_HOLIDAY, holiday, cutoff)
    if day in calendar.closures:
        return Arrival(received_at, counted_from, CLOSURE, calendar.closures[day], cutoff)
    return Arrival(received_at, counted_from, AFTER_CUTOFF, cutoff=cutoff)


def catch_up_date(today: date, calendar: WorkingCalendar) -> date:
    """The new date we aim for once a step is late: the next working day after ``today``.

    A missed step is one action that someone has now seen (the reminders chase it each
    working day), so one working day is a date we can keep and the customer can hold us to.
    Looked at on a day we are closed, that is still the first working day after it. The
    customer is told the steps that count from the late one from this date (GLT's review
    from a late referral, the outcome from a late review); staff still see the policy's due
    dates, marked overdue, until the step is taken.
    """
    return calendar.next_working_day(today)


@dataclass(frozen=True)
class Step:
    """One step of the appeal: its due date, as stored on the appeal (``due_on``) or as
    counted (``deadline``, which also explains the count), and the day it was done."""

    key: str
    deadline: Deadline | None
    done_on: date | None
    due_on: date | None = None

    @property
    def due(self) -> date:
        return self.due_on if self.due_on is not None else self.deadline.due

    @property
    def title(self):
        return STEP_TITLES[self.key]


@dataclass(frozen=True)
class AppealClock:
    # The working day the steps count from: day 0 (§9.1), with why, if not the day it came.
    counted_from: date
    received_note: str
    steps: tuple[Step, ...]
    arrival: Arrival | None = None

    @property
    def expected_outcome(self) -> date:
        """The date the customer should hear the outcome, told to them on acknowledgement."""
        return self.steps[-1].due

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)


def appeal_clock(
    received_at: datetime,
    cutoff: time,
    calendar: WorkingCalendar,
    *,
    acknowledged_on: date | None = None,
    referred_on: date | None = None,
    reviewed_on: date | None = None,
    cem_notified_on: date | None = None,
    customer_told_on: date | None = None,
) -> AppealClock:
    """Every step's due date. Later steps count from when the earlier step actually happened,
    or, until it has, from the date it is due."""
    counted_from, note = calendar.received_on(received_at, cutoff)
    arrived = arrival(received_at, cutoff, calendar)
    acknowledge = calendar.add_working_days(counted_from, ACKNOWLEDGE)
    to_glt = calendar.add_working_days(counted_from, TO_GLT)
    review = calendar.add_working_days(referred_on or to_glt.due, GLT_REVIEW)
    reviewed = reviewed_on or review.due
    notify = calendar.add_working_days(reviewed, NOTIFY_CEM)
    tell = calendar.add_working_days(reviewed, TELL_CUSTOMER)
    return AppealClock(
        counted_from,
        note,
        (
            Step("acknowledge", acknowledge, acknowledged_on),
            Step("to_glt", to_glt, referred_on),
            Step("glt_review", review, reviewed_on),
            Step("notify_cem", notify, cem_notified_on),
            Step("tell_customer", tell, customer_told_on),
        ),
        arrived,
    )


def step_status(step: Step, today: date, calendar: WorkingCalendar) -> str:
    """done / done_late / overdue / due_soon (due today or next working day) / on_track."""
    if step.done_on is not None:
        return "done_late" if step.done_on > step.due else "done"
    if today > step.due:
        return "overdue"
    if step.due == today or step.due <= calendar.next_working_day(today):
        return "due_soon"
    return "on_track"


def tracker_status(step: Step, today: date, calendar: WorkingCalendar) -> str:
    """As ``step_status``, but a step due today says "due_today", apart from "due_soon" (the
    next working day), so the tracker can say which is which in words."""
    status = step_status(step, today, calendar)
    return "due_today" if status == "due_soon" and step.due == today else status


def appeal_deadline(notified_on: date, calendar: WorkingCalendar) -> Deadline:
    """The last day to lodge an appeal: 20 working days after notification (§9.1)."""
    return calendar.add_working_days(notified_on, APPEAL_WINDOW)


def is_late(received_at: datetime, deadline: date) -> bool:
    """Late if received after the last day, London time (§9.2). The customer is told "you have
    until <date>", so the whole of that day counts, whatever the cut-off; the cut-off only
    decides when the Customer Experience Manager's clock starts."""
    return london(received_at).date() > deadline
