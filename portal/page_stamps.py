"""A stamp per customer that changes whenever anything their home page shows changes.

The customer's home is read far more often than what it shows is changed. Database triggers
give a customer's row in ``page_stamp`` a new random stamp in the same transaction as any
insert, update or delete of one of their rows in the tables below, and the row for everyone
(scope 0) a new stamp on any change to the organisation, its wording, the closure days or a
colleague's name and contact details. Being triggers, they see every change: the services'
ORM writes, bulk updates (deadline recomputes, retention) and writes by hand alike. On
PostgreSQL they run at the commit (deferred constraint triggers), so a stamp's row is locked
only once everything else the transaction needs is; a page is never kept from a request that
has written (portal/kept_pages.py), since its stamps would not yet say so.

A page kept under the stamps read *before* its data can never be older than those stamps
say: a change committed in between gives newer data under the older stamps, and the next
reader sees the new stamps and renders afresh. The stamps are random rather than counted, so
a database put back to an earlier state (a restored backup, a test's kept world) can never
bring back a stamp that once stood for other data.

The same objects are made by migration 0034 and, for a database built from the models
(``create_all``), by the listeners at the end of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import BigInteger, Integer, bindparam, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from portal import db

# The row for everyone: a change that may show on every customer's pages.
EVERYONE = 0

# Tables whose rows belong to one customer, and the column that names them.
CUSTOMER_ROWS: dict[str, str] = {
    "customer": "id",
    "restriction": "customer_id",
    "appeal": "customer_id",
    "arrangement": "customer_id",
    "letter": "customer_id",
    "conduct_warning": "customer_id",
}
# Tables whose rows belong to a row of a customer's table: (the column naming that row, its
# table).
CHILD_ROWS: dict[str, tuple[str, str]] = {
    "arrangement_term": ("arrangement_id", "arrangement"),
}
# Tables whose change may show on every customer's page, with the columns that may (None:
# any column). A colleague's sign-in steps and password are not shown to anyone.
EVERYONE_ROWS: dict[str, tuple[str, ...] | None] = {
    "organisation": None,
    "organisation_text": None,
    "closure_day": None,
    "staff_user": ("email", "name", "job_title", "team", "active"),
}


class PageStamp(db.Base):
    """The current stamp of one customer's pages (``scope`` is their id), or of everyone's
    (``scope`` 0). No foreign key: a customer's stamp outlives them, so an id used again can
    never meet a page kept for its former holder."""

    __tablename__ = "page_stamp"

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[int] = mapped_column(BigInteger)


@cache
def _read_statement():
    return select(PageStamp.scope, PageStamp.stamp).where(
        PageStamp.scope.in_((bindparam("scope"), EVERYONE))
    )


def current(customer_id: int) -> tuple[int | None, int | None]:
    """The customer's stamp and everyone's (None where nothing has changed yet): one
    statement."""
    found = dict(db.session.execute(_read_statement(), {"scope": customer_id}).all())
    return found.get(customer_id), found.get(EVERYONE)


# The SQL for both databases, written out from a description of the tables: the three maps
# above, as ``Watched(CUSTOMER_ROWS, CHILD_ROWS, EVERYONE_ROWS)``. Migrations pass their own
# copy, so that a later change to the maps comes with a migration of its own.
_SQLITE_RANDOM = "random()"
_POSTGRES_RANDOM = "(random() * 4503599627370496)::bigint"
_UPSERT = " ON CONFLICT (scope) DO UPDATE SET stamp = excluded.stamp"


@dataclass(frozen=True)
class Watched:
    customer_rows: dict[str, str]
    child_rows: dict[str, tuple[str, str]]
    everyone_rows: dict[str, tuple[str, ...] | None]

    def tables(self) -> list[str]:
        return sorted({*self.customer_rows, *self.child_rows, *self.everyone_rows})

    def bump(self, row: str, table: str, postgres: bool = False) -> str:
        """An upsert giving the scope that ``row`` (NEW or OLD) of ``table`` names a new
        stamp."""
        into = "INSERT INTO page_stamp (scope, stamp)"
        random = _POSTGRES_RANDOM if postgres else _SQLITE_RANDOM
        # PostgreSQL: a stamp this transaction wrote already is new enough.
        upsert = (
            f"{_UPSERT} WHERE page_stamp.xmin <> pg_current_xact_id()::xid" if postgres else _UPSERT
        )
        if table in self.customer_rows:
            column = f"{row}.{self.customer_rows[table]}"
            return f"{into} SELECT {column}, {random} WHERE {column} IS NOT NULL{upsert}"
        if table in self.child_rows:
            link, parent = self.child_rows[table]
            owner = self.customer_rows[parent]
            return (
                f"{into} SELECT p.{owner}, {random} FROM {parent} AS p "
                f"WHERE p.id = {row}.{link} AND p.{owner} IS NOT NULL{upsert}"
            )
        return f"{into} VALUES ({EVERYONE}, {random}){upsert}"

    def update_of(self, table: str) -> str:
        columns = self.everyone_rows.get(table)
        return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"

    def sqlite_create(self) -> list[str]:
        statements = []
        for table in self.tables():
            for name, when, rows in (
                ("ai", "INSERT", ("NEW",)),
                ("au", self.update_of(table), ("OLD", "NEW")),
                ("ad", "DELETE", ("OLD",)),
            ):
                body = " ".join(f"{self.bump(row, table)};" for row in rows)
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS page_stamp_{table}_{name} "
                    f"AFTER {when} ON {table} BEGIN {body} END"
                )
        return statements

    def sqlite_drop(self) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS page_stamp_{table}_{name}"
            for table in self.tables()
            for name in ("ai", "au", "ad")
        ]

    def postgres_create(self) -> list[str]:
        """Constraint triggers, deferred to the commit: a transaction takes its stamps' row
        locks last, once it holds every other lock it will need, so two people changing the
        same customer's rows at once wait for each other's commit rather than deadlock on the
        stamp. A row's stamp is written once per transaction, however many of its rows
        change (the row already written by this transaction is left as it is)."""
        statements = []
        for table in self.tables():
            function = f"page_stamp_{table}"
            if table in self.everyone_rows:
                body = f"{self.bump('NEW', table, postgres=True)};"
            elif table in self.customer_rows:
                column = self.customer_rows[table]
                body = (
                    f"IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' "
                    f"OR OLD.{column} IS DISTINCT FROM NEW.{column}) THEN "
                    f"{self.bump('OLD', table, postgres=True)}; END IF; "
                    f"IF TG_OP <> 'DELETE' THEN {self.bump('NEW', table, postgres=True)}; "
                    f"END IF;"
                )
            else:
                body = (
                    f"IF TG_OP <> 'INSERT' THEN {self.bump('OLD', table, postgres=True)}; "
                    f"END IF; IF TG_OP <> 'DELETE' THEN "
                    f"{self.bump('NEW', table, postgres=True)}; END IF;"
                )
            statements.append(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
            )
            statements.append(f"DROP TRIGGER IF EXISTS {function} ON {table}")
            statements.append(
                f"CREATE CONSTRAINT TRIGGER {function} "
                f"AFTER INSERT OR {self.update_of(table)} OR DELETE ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
        return statements

    def postgres_drop(self) -> list[str]:
        statements = []
        for table in self.tables():
            statements.append(f"DROP TRIGGER IF EXISTS page_stamp_{table} ON {table}")
            statements.append(f"DROP FUNCTION IF EXISTS page_stamp_{table}()")
        return statements

    def create(self, dialect: str) -> list[str]:
        return {"sqlite": self.sqlite_create, "postgresql": self.postgres_create}.get(
            dialect, list
        )()

    def drop(self, dialect: str) -> list[str]:
        return {"sqlite": self.sqlite_drop, "postgresql": self.postgres_drop}.get(dialect, list)()


WATCHED = Watched(CUSTOMER_ROWS, CHILD_ROWS, EVERYONE_ROWS)


def install(connection: Connection, watched: Watched = WATCHED) -> None:
    """Make the triggers (once every table they watch is there)."""
    for statement in watched.create(connection.dialect.name):
        connection.exec_driver_sql(statement)


def remove(connection: Connection, watched: Watched = WATCHED) -> None:
    """Take the triggers away (before the tables they watch are dropped)."""
    for statement in watched.drop(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _after_create(_metadata, connection, **_kw) -> None:
    install(connection)


def _before_drop(_metadata, connection, **_kw) -> None:
    remove(connection)


event.listen(db.Base.metadata, "after_create", _after_create)
event.listen(db.Base.metadata, "before_drop", _before_drop)
