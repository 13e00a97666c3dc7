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

from portal.incidents.services import recompute_review_due
from portal.organisation import services as organisation
from portal.organisation.models import Organisation
from portal.workdays import services as workdays
from portal.workdays.calendar import upcoming_bank_holidays
from portal.workdays.models import Closure  # the closures page loads one by id

# The organisation's settings that a deadline is counted with.
DEADLINE_SETTINGS = ("panel_review_days", "panel_review_unit", "cutoff_time")


def recompute_open_deadlines(actor, now: datetime) -> int:
    """Recompute every open deadline against the current calendar; audit each change.

    Returns how many deadlines moved.
    """
    return recompute_review_due(actor, now, workdays.load_calendar())


def add_closure(actor, now: datetime, day: date, reason: str) -> Closure:
    """Add a closure day, then recompute open deadlines.

    :raises ServiceError: for a day already closed, or no reason.
    """
    closure = workdays.add_closure_day(actor, now, day, reason)
    recompute_open_deadlines(actor, now)
    return closure


def remove_closure(actor, now: datetime, closure: Closure) -> None:
    """Remove a closure day, then recompute open deadlines."""
    workdays.remove_closure_day(actor, now, closure)
    recompute_open_deadlines(actor, now)


def update_organisation(actor, now: datetime, changes: dict) -> Organisation:
    """Change the organisation's details; a change to a deadline setting recomputes open
    deadlines.

    :raises ServiceError: as :func:`portal.organisation.services.update_organisation`.
    """
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
