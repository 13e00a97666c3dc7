"""Clock and time-zone helpers: store UTC, show Europe/London."""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (views only; services take ``now``).

    Tests freeze it by setting ``app.config["CLOCK"]`` to a callable.
    """
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)


def london(value: datetime) -> datetime:
    """Convert an aware datetime to Europe/London."""
    return value.astimezone(LONDON)


def london_date(value: datetime) -> date:
    """Return the Europe/London calendar date of an aware datetime."""
    return london(value).date()


def from_london(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """Build an aware UTC datetime from a local London wall-clock time."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
    return local.astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the last day of a shorter month (29 Feb → 28 Feb).

    :raises OverflowError: if the result would fall outside the years 1 to 9999, as adding a
        ``timedelta`` does (callers refuse implausible dates before they get here).
    """
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    if not MINYEAR <= year <= MAXYEAR:
        raise OverflowError("date value out of range")
    for candidate in (day.day, 30, 29):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)
