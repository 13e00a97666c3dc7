"""Page stamps: a random stamp per customer (and one for everyone), moved by triggers in the
same transaction as any change to what the customer's home page shows, so the rendered page
can be kept and reused until one of them changes. Undone, the triggers and the table go.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from portal.page_stamps import Watched

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

# The tables watched as this migration made them: a later change comes with its own migration.
WATCHED = Watched(
    customer_rows={
        "customer": "id",
        "restriction": "customer_id",
        "appeal": "customer_id",
        "arrangement": "customer_id",
        "letter": "customer_id",
        "conduct_warning": "customer_id",
    },
    child_rows={"arrangement_term": ("arrangement_id", "arrangement")},
    everyone_rows={
        "organisation": None,
        "organisation_text": None,
        "closure_day": None,
        "staff_user": ("email", "name", "job_title", "team", "active"),
    },
)


def upgrade() -> None:
    op.create_table(
        "page_stamp",
        sa.Column("scope", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_page_stamp")),
    )
    dialect = op.get_bind().dialect.name
    for statement in WATCHED.create(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in WATCHED.drop(dialect):
        op.execute(statement)
    op.drop_table("page_stamp")
