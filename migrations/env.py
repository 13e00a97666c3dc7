"""Alembic environment: uses the portal's engine and metadata."""

from __future__ import annotations

from alembic import context

from portal.db import Base
from portal.search import include_object

config = context.config
target_metadata = Base.metadata


def _engine():
    engine = config.attributes.get("engine")
    if engine is None:
        from portal import create_app

        engine = create_app().extensions["engine"]
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_object=include_object,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _refuse_broken_references(connection)
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection, on: bool) -> None:
    """Switch SQLite's foreign keys off for the migrations and on again after.

    A batch operation copies a table, drops the old one and renames the copy. With foreign
    keys on, dropping a table other rows point at fails ("FOREIGN KEY constraint failed"), or
    deletes them where they cascade. The switch is ignored inside a transaction, so it is sent
    to the driver before the migrations' transaction begins and after it ends.
    """
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _refuse_broken_references(connection) -> None:
    """With foreign keys off, check them all before committing: a row pointing at nothing
    rolls the migrations back."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migrations would leave rows pointing at nothing: {broken[:5]}")


run_migrations_online()
