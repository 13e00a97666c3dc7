"""Migration 0034: the page stamps' table and triggers, made as the models make them, moving a
customer's stamp on a change; undone, the triggers go with the table, so writes still work.
Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL points at a server."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import create_app
from tests.test_migrations import (  # noqa: F401 (fixtures)
    _cli,
    _someone_and_a_tenant,
    migration_url,
    throwaway_postgres,
)
from tests.web.test_kept_pages import WANTED, triggers_made

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def _stamp(engine: sa.Engine, customer_id: int):
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT stamp FROM page_stamp WHERE scope = :c"), {"c": customer_id}
        ).scalar()


def _rename(engine: sa.Engine, customer_id: int, forename: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE customer SET forename = :f WHERE id = :c"),
            {"f": forename, "c": customer_id},
        )


def test_the_stamps_migrate_up_and_down(migration_url):  # noqa: F811
    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    try:
        _cli(app, "db-upgrade", "--revision", "0033")
        with Session(engine) as session:
            _staff, customer = _someone_and_a_tenant(session, NOW, "C-MIG-STAMP")
            customer_id = customer.id
            session.commit()
        _cli(app, "db-upgrade")
        with engine.connect() as connection:
            assert triggers_made(connection) == WANTED
        assert _stamp(engine, customer_id) is None  # nothing changed since the upgrade
        _rename(engine, customer_id, "Stamped")
        first = _stamp(engine, customer_id)
        _rename(engine, customer_id, "Again")
        assert first is not None and _stamp(engine, customer_id) not in (None, first)
        _cli(app, "db-downgrade", "--revision", "0033")
        with engine.connect() as connection:
            assert "page_stamp" not in sa.inspect(connection).get_table_names()
            assert triggers_made(connection) == set()
        _rename(engine, customer_id, "Unwatched")  # no trigger left to look for the table
    finally:
        engine.dispose()
