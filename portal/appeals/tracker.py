"""The Customer Experience Manager's tracker (§9.1–9.4): a page of the open appeals, each
with the step it waits on, that step's due date and its status.

The same answer as :func:`portal.appeals.progress.progress` gives for the step an appeal waits
on, read from the due dates stored on the appeal (:mod:`portal.appeals.due_dates`) with the
next working day looked up once for the page, not counted again for every step of every row.
An appeal whose dates are not stored yet is counted as ``progress`` counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from portal.appeals import due_dates
from portal.appeals import progress as appeal_progress
from portal.appeals.queries import tracker_page
from portal.organisation.services import get_organisation
from portal.paging import Page
from portal.timeutil import london
from portal.workdays.services import load_calendar


class TrackerRow(NamedTuple):
    """One open appeal on the tracker. ``step`` is the key of the step it waits on (None when
    none is left), with that step's ``due`` date and ``status``: overdue, due_today, due_soon
    or on_track, as :func:`portal.appeals.rules.tracker_status` says."""

    id: int
    reference: str
    late: bool
    customer: str
    arrived_on: date
    counted_from: date
    step: str | None
    due: date | None
    status: str | None

    @property
    def moved(self) -> bool:
        """Its clock counts from a later day than the one it arrived on."""
        return self.counted_from != self.arrived_on

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"


@dataclass(frozen=True)
class Tracker:
    """One page of the tracker, where it sits in the whole list, and the next working day
    after the day looked at: what "due soon" runs to, and the day a late step is now aimed
    for (:func:`portal.appeals.rules.catch_up_date`)."""

    rows: list[TrackerRow]
    page: Page
    catch_up: date


def status_on(due: date, today: date, soon: date) -> str:
    """The status of a step not yet taken that is due on ``due``, on ``today``, with ``soon``
    the next working day: :func:`portal.appeals.rules.tracker_status` without the calendar."""
    if due < today:
        return "overdue"
    if due == today:
        return "due_today"
    return "due_soon" if due <= soon else "on_track"


def _waits_on(listed, today: date, soon: date, calendar, cutoff) -> tuple:
    """The key of the step ``listed`` waits on, its due date and its status (all None when no
    step is left): read from its stored due dates, or while they are not all stored, counted
    as :func:`portal.appeals.progress.progress` counts them."""
    if due_dates.stored(listed) is None:
        current = appeal_progress.progress(listed, today, calendar, cutoff).current
        return (current.key, current.due, current.status) if current else (None, None, None)
    for key, done in due_dates.DONE_FIELDS.items():
        if getattr(listed, done) is None:
            due = getattr(listed, due_dates.DUE_FIELDS[key])
            return key, due, status_on(due, today, soon)
    return None, None, None


def tracker(asked: int, today: date, order: str = "due", show: str = "all") -> Tracker:
    """Page ``asked`` of the open appeals for the tracker, in ``order`` and filtered by ``show``
    (:func:`portal.appeals.queries.tracker_page`), each with the step it waits on, on
    ``today``. Two statements, and the calendar, however many are open."""
    calendar = load_calendar()
    soon = calendar.next_working_day(today)
    listed = tracker_page(asked, today, soon, order, show)
    cutoff = get_organisation().cutoff_time
    rows = []
    for row in listed.rows:
        step, due, status = _waits_on(row, today, soon, calendar, cutoff)
        arrived_on = london(row.received_at).date()
        # The day counted from as the calendar has it now, as the case page says it.
        counted_from, _why = calendar.received_on(row.received_at, cutoff)
        rows.append(
            TrackerRow(
                row.id,
                row.reference,
                row.late,
                f"{row.forename} {row.surname}",
                arrived_on,
                counted_from,
                step,
                due,
                status,
            )
        )
    return Tracker(rows, listed.page, soon)
