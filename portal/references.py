"""References for incidents, letters, restriction requests, appeals and customers, numbered by
the database.

Each kind counts within the London year ("INC-2026-00042"), customers for all time
("C-100042"). The count is a row of
``reference_counter`` moved on by one conditional ``UPDATE … RETURNING`` inside the request's
transaction: on PostgreSQL the row stays locked until the transaction ends, on SQLite a
writing request holds the database's write lock (see :mod:`portal.db`), so two people saving
at the same instant are given different numbers, and a request that fails gives its number
back (no gaps, as before). A number somebody took by other means (an import, a record renumbered
by hand) is skipped, so a clash never reaches the unique index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from portal import db
from portal.timeutil import london_date


class ReferenceCounter(db.Base):
    """The last number given to a kind of record in a year."""

    __tablename__ = "reference_counter"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (sa.CheckConstraint("value >= 0", name="not_negative"),)


@dataclass(frozen=True)
class Kind:
    prefix: str
    digits: int
    table: str
    # A kind numbered for all time ("C-100001") rather than within each year; its counter row
    # is kept under year 0. ``floor`` is the number before its first.
    yearly: bool = True
    floor: int = 0

    def _head(self, year: int) -> str:
        return f"{self.prefix}-{year}-" if self.yearly else f"{self.prefix}-"

    def format(self, year: int, number: int) -> str:
        return f"{self._head(year)}{number:0{self.digits}d}"

    def number(self, reference: str, year: int) -> int | None:
        """The number in ``reference`` if it is one of this kind's for ``year``."""
        head = self._head(year)
        tail = reference[len(head) :] if reference.startswith(head) else ""
        return int(tail) if tail.isdigit() else None


KINDS = {
    "incident": Kind("INC", 5, "incident"),
    "letter": Kind("LET", 5, "letter"),
    "restriction_request": Kind("RR", 4, "restriction_request"),
    "appeal": Kind("AP", 4, "appeal"),
    "customer": Kind("C", 6, "customer", yearly=False, floor=100000),
}


def _column(kind: Kind):
    return sa.table(kind.table, sa.column("reference", String)).c.reference


def highest_in_use(connection_or_session, kind: Kind, year: int) -> int:
    """The highest number of ``kind`` already given in ``year`` (0 if none)."""
    column = _column(kind)
    found = connection_or_session.scalars(select(column).where(column.like(f"{kind._head(year)}%")))
    return max((n for n in (kind.number(r, year) for r in found) if n is not None), default=0)


def _take(name: str, year: int) -> int | None:
    return db.session.scalar(
        update(ReferenceCounter)
        .where(ReferenceCounter.kind == name, ReferenceCounter.year == year)
        .values(value=ReferenceCounter.value + 1)
        .returning(ReferenceCounter.value)
        .execution_options(synchronize_session=False)
    )


def _start_year(name: str, year: int) -> None:
    """The year's first number of a kind: its counter row, from what is already there."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the portal runs on PostgreSQL and SQLite
        raise RuntimeError(f"no counter for {dialect}")
    start = max(highest_in_use(db.session, KINDS[name], year), KINDS[name].floor)
    db.session.execute(
        insert(ReferenceCounter)
        .values(kind=name, year=year, value=start)
        .on_conflict_do_nothing(index_elements=["kind", "year"])
    )


def next_reference(name: str, now: datetime) -> str:
    """The next free reference of kind ``name`` ("incident", "letter", "restriction_request",
    "appeal", "customer") for the London year of ``now`` (customers: for all time); the number
    is the caller's once its transaction commits."""
    kind = KINDS[name]
    year = london_date(now).year if kind.yearly else 0
    column = _column(kind)
    while True:
        number = _take(name, year)
        if number is None:
            _start_year(name, year)
            continue
        reference = kind.format(year, number)
        taken = db.session.scalar(select(sa.literal(1)).where(column == reference).limit(1))
        if taken is None:
            return reference
