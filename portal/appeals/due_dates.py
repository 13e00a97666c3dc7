"""Each appeal step's due date, stored on the appeal (§9.1–9.4).

Counted with the working calendar when the appeal is sent and again whenever a step is taken
(:func:`fill`), and when the calendar or the cut-off changes (:func:`recount`, which
:mod:`portal.deadlines` calls), so the tracker, the reminders and the home pages read dates
instead of counting them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from portal.appeals import rules
from portal.appeals.models import Appeal, AppealStatus
from portal.workdays.calendar import WorkingCalendar

# The appeals the Customer Experience Manager is still working on.
OPEN = (
    AppealStatus.LODGED,
    AppealStatus.ACKNOWLEDGED,
    AppealStatus.WITH_GLT,
    AppealStatus.DECIDED,
)

# Each step (as rules.appeal_clock names it): where its due date is stored, and the day it
# was done.
DUE_FIELDS = {
    "acknowledge": "acknowledge_due_on",
    "to_glt": "to_glt_due_on",
    "glt_review": "glt_review_due_on",
    "notify_cem": "notify_cem_due_on",
    "tell_customer": "tell_customer_due_on",
}
DONE_FIELDS = {
    "acknowledge": "acknowledged_on",
    "to_glt": "referred_on",
    "glt_review": "reviewed_on",
    "notify_cem": "cem_notified_on",
    "tell_customer": "customer_told_on",
}


def count(appeal: Appeal, calendar: WorkingCalendar, cutoff: time) -> rules.AppealClock:
    """Every step's due date for ``appeal``, counted against ``calendar``."""
    return rules.appeal_clock(
        appeal.received_at,
        cutoff,
        calendar,
        **{done: getattr(appeal, done) for done in DONE_FIELDS.values()},
    )


def next_due(appeal: Appeal) -> date | None:
    """The stored due date of the first step not done yet; None for an appeal no longer
    open, or with every step done."""
    if appeal.status not in OPEN:
        return None
    for key, done in DONE_FIELDS.items():
        if getattr(appeal, done) is None:
            return getattr(appeal, DUE_FIELDS[key])
    return None


def fill(appeal: Appeal, calendar: WorkingCalendar, cutoff: time) -> rules.AppealClock:
    """Count every step's due date and store it on ``appeal``, with :func:`next_due`; the
    clock counted."""
    clock = count(appeal, calendar, cutoff)
    for step in clock.steps:
        setattr(appeal, DUE_FIELDS[step.key], step.due)
    appeal.next_due_on = next_due(appeal)
    return clock


def stored(appeal: Appeal) -> dict[str, date] | None:
    """Step key → stored due date, or None while any is not stored yet."""
    dues = {key: getattr(appeal, field) for key, field in DUE_FIELDS.items()}
    return None if None in dues.values() else dues


def stored_steps(appeal: Appeal, counted: rules.AppealClock | None = None) -> tuple | None:
    """The steps with their stored due dates (and, from ``counted``, how each was counted),
    or None while they are not stored."""
    dues = stored(appeal)
    if dues is None:
        return None
    deadlines = {step.key: step.deadline for step in counted.steps} if counted else {}
    return tuple(
        rules.Step(key, deadlines.get(key), getattr(appeal, DONE_FIELDS[key]), dues[key])
        for key in DUE_FIELDS
    )


def recount(
    appeal: Appeal,
    calendar: WorkingCalendar,
    cutoff: time,
    keep: Callable[[date, date], date],
) -> tuple[dict, dict]:
    """Count ``appeal``'s step due dates again; ``keep(stored, counted)`` says which date to
    store where one is stored already. The dates that moved, before and after."""
    before: dict[str, date] = {}
    after: dict[str, date] = {}
    for step in count(appeal, calendar, cutoff).steps:
        field = DUE_FIELDS[step.key]
        old = getattr(appeal, field)
        new = step.due if old is None else keep(old, step.due)
        if new != old:
            setattr(appeal, field, new)
            if old is not None:
                before[field], after[field] = old, new
    appeal.next_due_on = next_due(appeal)
    return before, after
