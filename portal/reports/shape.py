"""What a report is: a period, the period before it, and sections of counted rows.

The figures are worked out once (:mod:`portal.reports.figures`) into these plain values; the
page, the charts, the CSV, the PDF and an issued (frozen) copy are all read from them, so every
form of the report says the same thing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal.timeutil import add_months, from_london

# Half-years follow the financial year: April to September, and October to March.
HALF_YEAR_STARTS = (4, 10)
# The financial year starts on 1 April.
FINANCIAL_YEAR_START = 4
LONGEST_PERIOD_DAYS = 3 * 366


class Committee(enum.StrEnum):
    CUSTOMER_EXPERIENCE = "customer_experience"
    HEALTH_AND_SAFETY = "health_and_safety"

    @property
    def title(self) -> str:
        return str(
            {
                Committee.CUSTOMER_EXPERIENCE: _l("Customer Experience Committee"),
                Committee.HEALTH_AND_SAFETY: _l("Health & Safety Committee"),
            }[self]
        )


# The section the Health & Safety Committee's version opens with (then the rest, in order).
COLLEAGUE_SAFETY = "colleague_safety"


def _last_day_of_month(day: date) -> date:
    return add_months(day.replace(day=1), 1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both London calendar days and both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> int | None:
        """How many calendar months the period spans, if it is made of whole months."""
        if self.start.day != 1 or self.end != _last_day_of_month(self.end):
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (whole months where it is)."""
        months = self.whole_months
        if months is not None:
            start = add_months(self.start, -months)
            return Period(start, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period, as aware UTC (midnight in London)."""
        return from_london(self.start)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period, as aware UTC (midnight in London)."""
        return from_london(self.end + timedelta(days=1))

    @classmethod
    def last_complete_half_year(cls, today: date) -> Period:
        """The most recent April–September or October–March half-year that has ended."""
        for back in range(0, 13):
            start = add_months(today.replace(day=1), -back)
            if start.month in HALF_YEAR_STARTS:
                end = _last_day_of_month(add_months(start, 5))
                if end < today:
                    return cls(start, end)
        raise AssertionError("a half-year always ends within a year")  # pragma: no cover

    @classmethod
    def half_year_before_last(cls, today: date) -> Period:
        """The half-year just before the last complete one."""
        return cls.last_complete_half_year(today).previous()

    @classmethod
    def financial_year_so_far(cls, today: date) -> Period | None:
        """From 1 April of the financial year ``today`` is in, to the day before ``today``
        (a day is counted once it is over); None on 1 April, when no day of it has passed."""
        year = today.year if today.month >= FINANCIAL_YEAR_START else today.year - 1
        start = date(year, FINANCIAL_YEAR_START, 1)
        end = today - timedelta(days=1)
        return cls(start, end) if end >= start else None


@dataclass(frozen=True)
class Row:
    """One counted thing: this period's count and the previous period's."""

    key: str
    label: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous


@dataclass(frozen=True)
class Table:
    """A titled set of rows, drawn as one chart with the same figures as a table beside it.

    ``parts`` says the rows are parts of one whole (each row's share is shown); otherwise they
    are separate counts (for example an incident can fall in more than one category).
    """

    key: str
    title: str
    rows: tuple[Row, ...]
    parts: bool = False
    note: str = ""

    def total(self, which: str = "current") -> int:
        return sum(getattr(row, which) for row in self.rows)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    tables: tuple[Table, ...]
    summary: str = ""


@dataclass(frozen=True)
class Report:
    period: Period
    previous: Period
    sections: tuple[Section, ...]
    worked_out_at: datetime
    notes: tuple[str, ...] = field(default_factory=tuple)

    def for_committee(self, committee: Committee) -> tuple[Section, ...]:
        """The sections in the order the committee reads them: Health & Safety first sees
        colleague safety (injuries, police, alerts); the Customer Experience Committee sees
        the sections in their usual order."""
        if committee is not Committee.HEALTH_AND_SAFETY:
            return self.sections
        first = tuple(s for s in self.sections if s.key == COLLEAGUE_SAFETY)
        return first + tuple(s for s in self.sections if s.key != COLLEAGUE_SAFETY)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table:
        return next(t for s in self.sections for t in s.tables if t.key == key)

    def row(self, table_key: str, row_key: str) -> Row:
        return next(r for r in self.table(table_key).rows if r.key == row_key)
