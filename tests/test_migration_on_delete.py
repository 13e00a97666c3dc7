"""What the database does with a row when the row it points to is deleted (ON DELETE) is
what the models say, after the migrations and after undoing the last of them: Alembic's
comparison of the schema with the models does not look at it.

Runs on SQLite, and on a throwaway PostgreSQL database when TEST_DATABASE_URL points at a
PostgreSQL server (as ``tests/test_migrations.py`` does)."""

from __future__ import annotations

import sqlalchemy as sa

from portal import create_app, db, search
from tests.test_migrations import _cli, migration_url, throwaway_postgres  # noqa: F401


def _on_delete(engine: sa.Engine) -> dict[tuple, str | None]:
    """Each foreign key, by its table, columns and the table it points to (PostgreSQL
    shortens long names), and what deleting the row it points to does."""
    inspector = sa.inspect(engine)
    return {
        (table, tuple(fk["constrained_columns"]), fk["referred_table"]): (
            (fk.get("options") or {}).get("ondelete")
        )
        for table in inspector.get_table_names()
        # The search's own tables (PostgreSQL's names of customers with incidents) are not
        # the models'.
        if table != "alembic_version" and not search.is_search_object(table)
        for fk in inspector.get_foreign_keys(table)
    }


def _in_the_models() -> dict[tuple, str | None]:
    return {
        (table.name, tuple(fk.column_keys), fk.referred_table.name): fk.ondelete
        for table in db.Base.metadata.sorted_tables
        for fk in table.foreign_key_constraints
    }


def test_point5_every_foreign_key_deletes_as_the_models_say(migration_url):  # noqa: F811
    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    key = ("letter_file", ("letter_id",), "letter")
    try:
        _cli(app, "db-upgrade")
        assert _on_delete(engine) == _in_the_models()
        assert _on_delete(engine)[key] == "CASCADE"

        _cli(app, "db-downgrade", "--revision", "0021")
        assert _on_delete(engine)[key] is None

        _cli(app, "db-upgrade")
        assert _on_delete(engine)[key] == "CASCADE"
    finally:
        engine.dispose()
