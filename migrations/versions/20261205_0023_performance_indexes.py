"""Indexes for the staff homes and list pages.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# (index name, table, columns): the staff homes.
HOMES: list[tuple[str, str, list[str]]] = [
    ("ix_incident_line_manager_waiting", "incident", ["line_manager_id", "manager_decided_at", "reported_at"]),
]
# (index name, table, columns): the list pages.
LISTS: list[tuple[str, str, list[str]]] = []


def upgrade() -> None:
    for name, table, columns in (*HOMES, *LISTS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed((*HOMES, *LISTS)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
