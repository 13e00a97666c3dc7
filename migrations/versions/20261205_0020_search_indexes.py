"""Search indexes for the register and the customer search: on PostgreSQL trigram GIN indexes
(pg_trgm) on the lower-cased names, references and descriptions; on SQLite FTS5 tables with the
trigram tokenizer, kept in step with the customer and incident tables by triggers and filled
from the rows already there. Undone, the indexes, tables and triggers go; the pg_trgm
extension stays, as other objects in the database may use it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

POSTGRES_INDEXES = (
    "ix_customer_name_trgm",
    "ix_customer_reference_trgm",
    "ix_incident_reference_trgm",
    "ix_incident_description_trgm",
)

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE customer_search USING fts5("
    "name, reference, content='', tokenize='trigram')",
    "CREATE TRIGGER customer_search_ai AFTER INSERT ON customer BEGIN "
    "INSERT INTO customer_search(rowid, name, reference) "
    "VALUES (new.id, new.forename || ' ' || new.surname, new.reference); END",
    "CREATE TRIGGER customer_search_ad AFTER DELETE ON customer BEGIN "
    "INSERT INTO customer_search(customer_search, rowid, name, reference) "
    "VALUES ('delete', old.id, old.forename || ' ' || old.surname, old.reference); END",
    "CREATE TRIGGER customer_search_au "
    "AFTER UPDATE OF forename, surname, reference ON customer BEGIN "
    "INSERT INTO customer_search(customer_search, rowid, name, reference) "
    "VALUES ('delete', old.id, old.forename || ' ' || old.surname, old.reference); "
    "INSERT INTO customer_search(rowid, name, reference) "
    "VALUES (new.id, new.forename || ' ' || new.surname, new.reference); END",
    "INSERT INTO customer_search(rowid, name, reference) "
    "SELECT id, forename || ' ' || surname, reference FROM customer",
    "CREATE VIRTUAL TABLE incident_search USING fts5("
    "reference, description, content='incident', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER incident_search_ai AFTER INSERT ON incident BEGIN "
    "INSERT INTO incident_search(rowid, reference, description) "
    "VALUES (new.id, new.reference, new.description); END",
    "CREATE TRIGGER incident_search_ad AFTER DELETE ON incident BEGIN "
    "INSERT INTO incident_search(incident_search, rowid, reference, description) "
    "VALUES ('delete', old.id, old.reference, old.description); END",
    "CREATE TRIGGER incident_search_au "
    "AFTER UPDATE OF reference, description ON incident BEGIN "
    "INSERT INTO incident_search(incident_search, rowid, reference, description) "
    "VALUES ('delete', old.id, old.reference, old.description); "
    "INSERT INTO incident_search(rowid, reference, description) "
    "VALUES (new.id, new.reference, new.description); END",
    "INSERT INTO incident_search(incident_search) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS incident_search_au",
    "DROP TRIGGER IF EXISTS incident_search_ad",
    "DROP TRIGGER IF EXISTS incident_search_ai",
    "DROP TABLE IF EXISTS incident_search",
    "DROP TRIGGER IF EXISTS customer_search_au",
    "DROP TRIGGER IF EXISTS customer_search_ad",
    "DROP TRIGGER IF EXISTS customer_search_ai",
    "DROP TABLE IF EXISTS customer_search",
]
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_customer_name_trgm ON customer "
    "USING gin (lower(forename || ' ' || surname) gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS ix_customer_reference_trgm ON customer "
    "USING gin (lower(reference) gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS ix_incident_reference_trgm ON incident "
    "USING gin (lower(reference) gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS ix_incident_description_trgm ON incident "
    "USING gin (lower(description) gin_trgm_ops) WITH (fastupdate = off)",
]
POSTGRES_DROP = [f"DROP INDEX IF EXISTS {name}" for name in POSTGRES_INDEXES]


def _run(statements: dict) -> None:
    connection = op.get_bind()
    for statement in statements.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})
