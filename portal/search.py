"""Text search over customers and incidents, on an index on both databases.

A search term matches a customer whose name ("forename surname") or reference contains it,
and an incident whose reference or description contains it or whose customer matches, ignoring
case; ``%`` and ``_`` are taken literally. PostgreSQL answers from trigram (``pg_trgm``) GIN
indexes on the lower-cased columns, kept without a pending list (``fastupdate = off``) so that
rows loaded in bulk are in the index, and costed as such, at once; SQLite from FTS5 tables with
the trigram tokenizer, kept in step with the tables by triggers. A trigram index needs three
characters to look anything up, so a shorter term is not searched: the pages ask for more.

The same objects are made by migrations 0020 and 0035 (PostgreSQL's names of customers with
incidents) and, for a database built from the models (``create_all``), by the listeners at
the end of this module.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    String,
    cast,
    column,
    event,
    func,
    inspect,
    literal_column,
    or_,
    select,
    table,
    union,
)
from sqlalchemy.engine import Connection

from portal import db
from portal.customers.models import Customer
from portal.incidents.models import Incident

MIN_LENGTH = 3
MAX_LENGTH = 100

SQLITE_TABLES = ("customer_search", "incident_search")
SQLITE_TRIGGERS = tuple(f"{t}_{when}" for t in SQLITE_TABLES for when in ("ai", "ad", "au"))
POSTGRES_INDEXES = (
    "ix_customer_name_trgm",
    "ix_customer_reference_trgm",
    "ix_incident_reference_trgm",
    "ix_incident_description_trgm",
    "ix_incident_customer_name_trgm",
    "ix_incident_customer_reference_trgm",
)
# PostgreSQL: the names and references of the customers who have incidents (one in six of a
# landlord's customers, say), kept by triggers, so that a register search by name probes the
# incidents of those customers only rather than of every customer the name matches.
POSTGRES_TABLES = ("incident_customer_name",)
POSTGRES_FUNCTIONS = ("incident_customer_name_add", "incident_customer_name_follow")
POSTGRES_TRIGGERS = (
    "incident_customer_name_ai",
    "incident_customer_name_au",
    "incident_customer_name_follow",
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
# A new incident (or one moved to another customer) adds its customer, once, reading the
# customer's row FOR SHARE so that a rename at the same moment is either seen here or follows
# into the row made here; a rename follows into the row; a customer removed takes it along.
# Rows are not taken away with their last incident: a customer with none left costs one probe.
POSTGRES_INCIDENT_CUSTOMERS = [
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
    *POSTGRES_INCIDENT_CUSTOMERS,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS incident_customer_name_ai ON incident",
    "DROP TRIGGER IF EXISTS incident_customer_name_au ON incident",
    "DROP TRIGGER IF EXISTS incident_customer_name_follow ON customer",
    *(f"DROP FUNCTION IF EXISTS {name}()" for name in POSTGRES_FUNCTIONS),
    "DROP TABLE IF EXISTS incident_customer_name",
    *(f"DROP INDEX IF EXISTS {name}" for name in POSTGRES_INDEXES),
]


def is_search_object(name: str | None) -> bool:
    """Whether a table or index of this name belongs to the search (FTS5 tables and their
    shadow tables, trigram indexes), which the models do not describe."""
    if not name:
        return False
    return (
        name in POSTGRES_INDEXES
        or name in POSTGRES_TABLES
        or name.startswith("pk_incident_customer_name")
        or name.startswith("incident_customer_name_")
        or any(name == t or name.startswith(f"{t}_") for t in SQLITE_TABLES)
    )


def present(connection: Connection) -> set[str]:
    """The names of the search's tables, triggers and indexes the database has."""
    if connection.dialect.name == "sqlite":
        names = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        ).scalars()
        return {n for n in names if n in SQLITE_TABLES or n in SQLITE_TRIGGERS}
    if connection.dialect.name == "postgresql":
        names = connection.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).scalars()
        wanted = {*POSTGRES_INDEXES, *POSTGRES_TABLES, *POSTGRES_TRIGGERS}
        return {n for n in names if n in wanted}
    return set()


def expected(dialect: str) -> set[str]:
    """The names ``present`` finds on a database with the search installed."""
    postgres = {*POSTGRES_INDEXES, *POSTGRES_TABLES, *POSTGRES_TRIGGERS}
    return {"sqlite": {*SQLITE_TABLES, *SQLITE_TRIGGERS}, "postgresql": postgres}.get(
        dialect, set()
    )


def include_object(_object, name, _type, _reflected, _compare_to) -> bool:
    """Alembic's ``include_object``: leave the search's own objects out of autogenerate."""
    return not is_search_object(name)


def term(q: str) -> str:
    """The search term as typed, without surrounding spaces or NUL, at most 100 characters."""
    return q.replace("\x00", "").strip()[:MAX_LENGTH]


def too_short(q: str) -> bool:
    """Whether ``q`` was given but is too short to search on."""
    return 0 < len(term(q)) < MIN_LENGTH


def like_pattern(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere, its ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(text: str) -> str:
    """An FTS5 query matching ``text`` as one string (a quoted phrase)."""
    return '"' + text.replace('"', '""') + '"'


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _matches(fts_table: str, text: str) -> Select:
    fts = table(fts_table, literal_column("rowid"))
    return (
        select(literal_column("rowid"))
        .select_from(fts)
        .where(literal_column(fts_table).op("MATCH")(_phrase(text)))
    )


def _lower_like(column, text: str):
    return func.lower(column).like(like_pattern(text.lower()), escape="\\")


def _full_name():
    return Customer.forename.op("||")(literal_column("' '")).op("||")(Customer.surname)


def customer_match(q: str):
    """The condition on ``Customer`` that its name or reference contains ``q`` (of three or
    more characters): on PostgreSQL the indexed expressions themselves, so the planner reads
    the trigram indexes rather than walking customers in name order."""
    text = term(q)
    if _sqlite():
        return Customer.id.in_(_matches("customer_search", text))
    return or_(_lower_like(_full_name(), text), _lower_like(Customer.reference, text))


def customer_ids(q: str) -> Select:
    """Ids of the customers whose name or reference contains ``q`` (of three or more
    characters)."""
    if _sqlite():
        return _matches("customer_search", term(q))
    return select(Customer.id).where(customer_match(q))


_INCIDENT_CUSTOMERS = table(
    "incident_customer_name",
    column("customer_id", Integer),
    column("name", String),
    column("reference", String),
)


def incident_match(q: str):
    """The condition on ``Incident`` that its reference or description contains ``q`` (of
    three or more characters), or its customer's name or reference does.

    On PostgreSQL one OR over the indexed expressions and the matching customers' ids, so
    the planner ORs the trigram and customer_id index scans into one bitmap and reads each
    matching incident once, with the columns the page orders by; a UNION of ids would have
    to be de-duplicated and each id looked up again. The customers' ids come as one array,
    looked up first among the customers who have incidents (``incident_customer_name``: a
    name matching a thousand customers, of whom two hundred have incidents, probes two
    hundred): each is then found on the customer_id index, where an IN would let the planner
    scan every incident to join them."""
    text = term(q)
    if _sqlite():
        by_customer = select(Incident.id).where(Incident.customer_id.in_(customer_ids(text)))
        return Incident.id.in_(union(_matches("incident_search", text), by_customer))
    named = or_(
        _lower_like(_INCIDENT_CUSTOMERS.c.name, text),
        _lower_like(_INCIDENT_CUSTOMERS.c.reference, text),
    )
    customers = select(func.array_agg(_INCIDENT_CUSTOMERS.c.customer_id)).where(named)
    return or_(
        _lower_like(Incident.reference, text),
        _lower_like(Incident.description, text),
        Incident.customer_id == func.any(cast(customers.scalar_subquery(), ARRAY(Integer))),
    )


def install(connection: Connection) -> None:
    """Make the search's tables, triggers or indexes (and fill them from the rows there),
    once the tables they follow are there and unless they are there already."""
    dialect = connection.dialect.name
    inspector = inspect(connection)
    if not (inspector.has_table("customer") and inspector.has_table("incident")):
        return
    if dialect == "sqlite" and inspector.has_table("customer_search"):
        return
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(dialect, [])
    for statement in statements:
        connection.exec_driver_sql(statement)


def remove(connection: Connection) -> None:
    """Take the search's own objects away (before the tables they follow are dropped)."""
    dialect = connection.dialect.name
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, [])
    for statement in statements:
        connection.exec_driver_sql(statement)


def _after_create(_metadata, connection, **_kw) -> None:
    install(connection)


def _before_drop(_metadata, connection, **_kw) -> None:
    remove(connection)


event.listen(db.Base.metadata, "after_create", _after_create)
event.listen(db.Base.metadata, "before_drop", _before_drop)
