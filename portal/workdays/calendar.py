"""Working days: Monday to Friday, not an England & Wales bank holiday, not a closure day.

Day 0 is the day a thing is received (or notified); the deadline is the Nth working day after it.
Something received after the cut-off time, or on a day that is not a working day, counts as
received on the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from portal.timeutil import london


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holiday(day: date) -> str | None:
    """The name of the England & Wales bank holiday on ``day``, or None."""
    return _bank_holidays(day.year).get(day)


@dataclass(frozen=True)
class SkippedDay:
    day: date
    reason: str


@dataclass(frozen=True)
class Deadline:
    """A computed due date with everything needed to explain it."""

    start: date
    days: int
    unit: str
    due: date
    counted: tuple[date, ...]
    skipped: tuple[SkippedDay, ...]
    received_note: str = ""

    def explain(self) -> list[str]:
        """Return the explanation as plain sentences (English; staff-facing)."""
        lines = []
        if self.received_note:
            lines.append(self.received_note)
        unit = "working day" if self.unit == "working" else "calendar day"
        lines.append(
            f"Day 0 is {self.start:%A %-d %B %Y}; the deadline is {self.days} {unit}"
            f"{'s' if self.days != 1 else ''} later."
        )
        for number, day in enumerate(self.counted, start=1):
            lines.append(f"Day {number}: {day:%A %-d %B %Y}")
        for skipped in self.skipped:
            lines.append(f"Not counted: {skipped.day:%A %-d %B %Y} ({skipped.reason})")
        lines.append(f"Due: {self.due:%A %-d %B %Y}")
        return lines


@dataclass
class WorkingCalendar:
    """Bank holidays plus the organisation's closure days."""

    closures: dict[date, str] = field(default_factory=dict)

    def non_working_reason(self, day: date) -> str | None:
        """Say why ``day`` is not a working day, or None if it is one."""
        if day.weekday() == 5:
            return "Saturday"
        if day.weekday() == 6:
            return "Sunday"
        bank = _bank_holidays(day.year).get(day)
        if bank:
            return f"bank holiday: {bank}"
        if day in self.closures:
            return f"organisation closed: {self.closures[day]}"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.non_working_reason(day) is None

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def received_on(self, moment: datetime, cutoff: time) -> tuple[date, str]:
        """Return the working day something received at ``moment`` counts from, and why."""
        local = london(moment)
        day = local.date()
        if not self.is_working_day(day):
            effective = self.next_working_day(day)
            reason = self.non_working_reason(day)
            return effective, (
                f"Received on {day:%A %-d %B %Y} ({reason}), so it counts from the next "
                f"working day, {effective:%A %-d %B %Y}."
            )
        if local.time() >= cutoff:
            effective = self.next_working_day(day)
            return effective, (
                f"Received at {local:%H:%M} on {day:%A %-d %B %Y}, after the {cutoff:%H:%M} "
                f"cut-off, so it counts from {effective:%A %-d %B %Y}."
            )
        return day, ""

    def add_working_days(self, start: date, days: int) -> Deadline:
        """Count ``days`` working days after day 0 = ``start``."""
        if days < 0:
            raise ValueError("days must not be negative")
        counted: list[date] = []
        skipped: list[SkippedDay] = []
        day = start
        while len(counted) < days:
            day += timedelta(days=1)
            reason = self.non_working_reason(day)
            if reason:
                skipped.append(SkippedDay(day, reason))
            else:
                counted.append(day)
        return Deadline(start, days, "working", day, tuple(counted), tuple(skipped))

    def add_calendar_days(self, start: date, days: int) -> Deadline:
        counted = tuple(start + timedelta(days=n) for n in range(1, days + 1))
        return Deadline(start, days, "calendar", start + timedelta(days=days), counted, ())

    def deadline_for(
        self, received: datetime, days: int, unit: str = "working", cutoff: time = time(17, 0)
    ) -> Deadline:
        """Compute the deadline for something received at an aware ``received`` time."""
        if unit == "calendar":
            return self.add_calendar_days(london(received).date(), days)
        start, note = self.received_on(received, cutoff)
        deadline = self.add_working_days(start, days)
        return Deadline(
            deadline.start,
            deadline.days,
            deadline.unit,
            deadline.due,
            deadline.counted,
            deadline.skipped,
            note,
        )

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def upcoming_bank_holidays(today: date, count: int = 10) -> list[tuple[date, str]]:
    """The next ``count`` England & Wales bank holidays from ``today`` on, with their names."""
    return sorted(
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in _bank_holidays(year).items()
        if day >= today
    )[:count]


def calendar_from(closures: Iterable[tuple[date, str]]) -> WorkingCalendar:
    return WorkingCalendar(dict(closures))
