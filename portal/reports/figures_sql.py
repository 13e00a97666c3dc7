"""Small pieces the report's queries share: both periods' windows, counting in SQL, London
days of stored timestamps, and turning counted rows into :class:`Row` values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Date, and_, case, cast, func, literal, or_, type_coerce

from portal import db
from portal.reports.shape import Period, Row
from portal.timeutil import LONDON

CURRENT, PREVIOUS = "current", "previous"


@dataclass(frozen=True)
class Window:
    """The report's period and the one before it, as the queries use them."""

    current: Period
    previous: Period

    @property
    def periods(self) -> dict[str, Period]:
        return {CURRENT: self.current, PREVIOUS: self.previous}

    @property
    def starts_at(self) -> datetime:
        return self.previous.starts_at

    @property
    def ends_before(self) -> datetime:
        return self.current.ends_before

    def holds(self, column):
        """A stored (UTC) timestamp within either period: what each query reads at all."""
        return and_(column >= self.starts_at, column < self.ends_before)


def during(column, period: Period):
    """A stored (UTC) timestamp within the London days of ``period``."""
    return and_(column >= period.starts_at, column < period.ends_before)


def on_days(column, period: Period):
    """A date column within ``period``."""
    return and_(column >= period.start, column <= period.end)


def counted(condition):
    """How many rows meet ``condition`` (0, never NULL, when there are none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def pair(window: Window, name: str, condition_of) -> list:
    """``<name>__current`` and ``<name>__previous``: ``condition_of(period)`` counted for each."""
    return [
        counted(condition_of(period)).label(f"{name}__{which}")
        for which, period in window.periods.items()
    ]


def timeliness(window: Window, due, done, prefix: str = "") -> list:
    """``on_time``, ``late`` and ``not_done`` pairs for things due (``due``, a day) in each
    period: done (``done``, a day, NULL if not) by the due day; after it but by the period's
    end; or not by the period's end."""
    return [
        *pair(window, f"{prefix}on_time", lambda p: and_(on_days(due, p), done <= due)),
        *pair(
            window,
            f"{prefix}late",
            lambda p: and_(on_days(due, p), done > due, done <= p.end),
        ),
        *pair(
            window,
            f"{prefix}not_done",
            lambda p: and_(on_days(due, p), or_(done.is_(None), done > p.end)),
        ),
    ]


def row_from(found, key: str, label: str, name: str | None = None) -> Row:
    """A :class:`Row` from the ``<name>__current`` / ``<name>__previous`` columns of ``found``."""
    name = name or key
    return Row(
        key,
        label,
        int(getattr(found, f"{name}__current") or 0),
        int(getattr(found, f"{name}__previous") or 0),
    )


def grouped_rows(results: Iterable, members: Iterable[tuple[str, str]]) -> tuple[Row, ...]:
    """Rows for every ``(key, label)`` of ``members``, in their order, counted from grouped
    ``results`` (``key``, ``current``, ``previous``); a member with no rows counts 0."""
    found = {str(r.key): r for r in results}
    out = []
    for key, label in members:
        r = found.get(key)
        current, previous = (int(r.current or 0), int(r.previous or 0)) if r else (0, 0)
        out.append(Row(key, label, current, previous))
    return tuple(out)


def _offset(at: datetime) -> timedelta:
    return at.astimezone(LONDON).utcoffset()


def _change_within(start: datetime, end: datetime) -> datetime:
    """The first second in [start, end) whose London offset differs from ``start``'s."""
    before = _offset(start)
    while end - start > timedelta(seconds=1):
        middle = start + (end - start) / 2
        if _offset(middle) == before:
            start = middle
        else:
            end = middle
    return end.replace(microsecond=0)


def summer_times(year: int) -> list[tuple[datetime, datetime]]:
    """The spans of ``year`` (UTC) when London is ahead of UTC, read from the zone data."""
    months = [datetime(year, m, 1, tzinfo=UTC) for m in range(1, 13)]
    months.append(datetime(year + 1, 1, 1, tzinfo=UTC))
    changes = [
        _change_within(a, b)
        for a, b in zip(months, months[1:], strict=False)
        if _offset(a) != _offset(b)
    ]
    edges = ([months[0]] if _offset(months[0]) else []) + changes + [months[-1]]
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if _offset(a)]


def london_day(column, years: range):
    """The London calendar day of a stored (UTC) timestamp, in SQL.

    PostgreSQL converts with its own zone data. SQLite has none, so the spans of summer time
    for ``years`` are read from Python's zone data and written into the query; a time outside
    those years is taken as GMT, which can move it by at most an hour — the report only
    compares days near its own periods.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Europe/London", column), Date)
    summer = [
        and_(column >= starts, column < ends)
        for year in years
        for starts, ends in summer_times(year)
    ]
    shift = case(*[(when, literal("+1 hours")) for when in summer], else_=literal("+0 hours"))
    return type_coerce(func.date(column, shift), Date)


def years_around(window: Window, now: datetime) -> range:
    """The years whose summer time :func:`london_day` spells out for a report."""
    return range(window.previous.start.year - 1, max(window.current.end.year, now.year) + 2)
