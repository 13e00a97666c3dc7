"""PostgreSQL refuses to change or remove audit events and checkpoints, whoever asks.

The portal's own code never does (an ORM hook refuses it first); this stops a person with the
portal's database login doing it by hand. A superuser can still switch the trigger off, which
is why the chain is also sealed with a key the database does not hold (portal/audit/seal.py).
Installed by migration 0014.
"""

from __future__ import annotations

APPEND_ONLY_TABLES = ("audit_event", "audit_checkpoint")

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def install_statements() -> list[str]:
    """The SQL that installs the triggers (PostgreSQL only)."""
    statements = [FUNCTION]
    for table in APPEND_ONLY_TABLES:
        statements += [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
        ]
    return statements


def remove_statements() -> list[str]:
    """The SQL that removes them again."""
    statements = []
    for table in APPEND_ONLY_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        ]
    return [*statements, "DROP FUNCTION IF EXISTS audit_append_only()"]
