"""The equality monitoring tables (§11.1, §12.1): for each characteristic, how many customers
of each group are recorded, and how many of them were reported, warned, restricted or had
won an appeal (the restriction removed or changed), with small numbers suppressed.

All the counting is one aggregate query, whatever the number of customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, literal, select, union_all

from portal import db
from portal.appeals.models import Appeal, AppealOutcome
from portal.conduct_warnings.models import ConductWarning
from portal.equality.models import CHARACTERISTICS, FIELDS, EqualityRecord, answers
from portal.equality.suppression import suppress
from portal.incidents.models import Incident
from portal.restrictions.models import Restriction
from portal.timeutil import add_months, from_london, london_date

# The columns of every table: everyone recorded, then each step of the process.
COLUMNS = (
    ("recorded", _l("All customers recorded")),
    ("reported", _l("Reported in an incident")),
    ("warned", _l("Given a written warning")),
    ("restricted", _l("Contact restricted")),
    ("succeeded", _l("Appeal succeeded: restriction removed or changed")),
)
OUTCOMES = tuple(key for key, _label in COLUMNS[1:])
NOT_ANSWERED = _l("Not answered")

# The periods the page offers, by the months they reach back (None: all time).
PERIODS = {
    "all": (None, _l("All time")),
    "3m": (3, _l("The last 3 months")),
    "12m": (12, _l("The last 12 months")),
    "36m": (36, _l("The last 3 years")),
}


@dataclass
class Cell:
    count: int | None  # None when hidden
    share: float | None  # per cent of the column's total; None when hidden

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass
class Row:
    label: str
    cells: list[Cell]

    @property
    def all_hidden(self) -> bool:
        return all(cell.hidden for cell in self.cells)


@dataclass
class Table:
    name: str
    label: str
    rows: list[Row]
    totals: list[Cell]


def since(now: datetime, period: str) -> datetime | None:
    """The start of ``period`` (a key of :data:`PERIODS`), or None for all time."""
    months = PERIODS[period][0]
    if months is None:
        return None
    return from_london(add_months(london_date(now), -months))


def _flag(model, at, *conditions, start: datetime | None):
    found = exists().where(model.customer_id == EqualityRecord.customer_id, *conditions)
    if start is not None:
        found = found.where(at >= start)
    return case((found, 1), else_=0)


def counts(start: datetime | None) -> dict[str, dict[str | None, list[int]]]:
    """For each characteristic, each answer's counts in :data:`COLUMNS` order: one query."""
    flags = (
        select(
            *(getattr(EqualityRecord, name) for name in FIELDS),
            _flag(Incident, Incident.reported_at, start=start).label("reported"),
            _flag(ConductWarning, ConductWarning.issued_at, start=start).label("warned"),
            _flag(Restriction, Restriction.approved_at, start=start).label("restricted"),
            _flag(
                Appeal,
                Appeal.received_at,
                Appeal.outcome.in_((AppealOutcome.OVERTURNED, AppealOutcome.VARIED)),
                start=start,
            ).label("succeeded"),
        )
        .where(EqualityRecord.consent_given.is_(True))
        .cte("flags")
    )
    parts = [
        select(
            literal(name).label("characteristic"),
            flags.c[name].label("answer"),
            func.count().label("recorded"),
            *(func.coalesce(func.sum(flags.c[key]), 0).label(key) for key in OUTCOMES),
        ).group_by(flags.c[name])
        for name in FIELDS
    ]
    found: dict[str, dict[str | None, list[int]]] = {name: {} for name in FIELDS}
    for row in db.session.execute(union_all(*parts)):
        found[row.characteristic][row.answer] = [int(row[2 + i]) for i in range(len(COLUMNS))]
    return found


def _table(name: str, by_answer: dict[str | None, list[int]]) -> Table:
    groups = [*answers(name), (None, NOT_ANSWERED)]
    grid = [by_answer.get(code, [0] * len(COLUMNS)) for code, _label in groups]
    column_totals = [sum(row[c] for row in grid) for c in range(len(COLUMNS))]
    hidden = suppress(grid, column_totals=True)
    totals_hidden = suppress([column_totals], column_totals=False)[0]

    def cell(count: int, total: int, hide: bool) -> Cell:
        if hide:
            return Cell(None, None)
        return Cell(count, round(100 * count / total, 1) if total else 0.0)

    rows = [
        Row(
            str(label),
            [cell(n, column_totals[c], hidden[r][c]) for c, n in enumerate(grid[r])],
        )
        for r, (_code, label) in enumerate(groups)
    ]
    totals = [cell(total, total, totals_hidden[c]) for c, total in enumerate(column_totals)]
    return Table(name, str(CHARACTERISTICS[name][0]), rows, totals)


def monitoring(now: datetime, period: str = "all") -> list[Table]:
    """Every characteristic's table for ``period``, small numbers suppressed."""
    found = counts(since(now, period))
    return [_table(name, found[name]) for name in FIELDS]
