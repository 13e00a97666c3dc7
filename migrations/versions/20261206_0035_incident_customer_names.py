"""Register search on PostgreSQL: the names and references of the customers who have
incidents, in a table of their own with trigram indexes, kept by triggers (an incident added
or moved adds its customer; a rename follows; a customer removed takes its row along) and
filled from the incidents already there. A search by name then probes the incidents of the
matching customers who have any, not of every matching customer. SQLite is unchanged (its
search tables already follow both tables). Undone, the triggers, functions and table go.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06
"""

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

CREATE = [
    "CREATE TABLE IF NOT EXISTS incident_customer_name ("
    "customer_id integer PRIMARY KEY REFERENCES customer (id) ON DELETE CASCADE, "
    "name text NOT NULL, reference text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_incident_customer_name_trgm ON incident_customer_name "
    "USING gin (lower(name) gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS ix_incident_customer_reference_trgm ON incident_customer_name "
    "USING gin (lower(reference) gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE OR REPLACE FUNCTION incident_customer_name_add() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO incident_customer_name (customer_id, name, reference) "
    "SELECT c.id, c.forename || ' ' || c.surname, c.reference FROM customer AS c "
    "WHERE c.id IN (SELECT customer_id FROM new_rows) "
    "AND NOT EXISTS (SELECT 1 FROM incident_customer_name AS n WHERE n.customer_id = c.id) "
    "FOR SHARE OF c ON CONFLICT (customer_id) DO NOTHING; RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER incident_customer_name_ai AFTER INSERT ON incident "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION incident_customer_name_add()",
    "CREATE OR REPLACE TRIGGER incident_customer_name_au AFTER UPDATE ON incident "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION incident_customer_name_add()",
    "CREATE OR REPLACE FUNCTION incident_customer_name_follow() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE incident_customer_name SET name = NEW.forename || ' ' || NEW.surname, "
    "reference = NEW.reference WHERE customer_id = NEW.id; RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER incident_customer_name_follow "
    "AFTER UPDATE OF forename, surname, reference ON customer FOR EACH ROW "
    "EXECUTE FUNCTION incident_customer_name_follow()",
    "INSERT INTO incident_customer_name (customer_id, name, reference) "
    "SELECT c.id, c.forename || ' ' || c.surname, c.reference FROM customer AS c "
    "WHERE EXISTS (SELECT 1 FROM incident AS i WHERE i.customer_id = c.id) "
    "ON CONFLICT (customer_id) DO NOTHING",
]

DROP = [
    "DROP TRIGGER IF EXISTS incident_customer_name_ai ON incident",
    "DROP TRIGGER IF EXISTS incident_customer_name_au ON incident",
    "DROP TRIGGER IF EXISTS incident_customer_name_follow ON customer",
    "DROP FUNCTION IF EXISTS incident_customer_name_add()",
    "DROP FUNCTION IF EXISTS incident_customer_name_follow()",
    "DROP TABLE IF EXISTS incident_customer_name",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in CREATE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DROP:
        op.execute(statement)
