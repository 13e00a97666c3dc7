"""Equality monitoring answers the customer gives themselves, through the portal (§11.1, §12.1).

``equality_record.recorded_by_id`` may now be NULL: the customer saved the answers themselves
in the portal, not a member of staff. (Consent given there is kept as ``in_writing``: no new
consent method.)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("equality_record") as batch:
        batch.alter_column("recorded_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # A customer's own save has no member of staff to name: those rows cannot go back under
    # NOT NULL, so they are removed (the customer can give their answers again).
    op.execute("DELETE FROM equality_record WHERE recorded_by_id IS NULL")
    with op.batch_alter_table("equality_record") as batch:
        batch.alter_column("recorded_by_id", existing_type=sa.Integer(), nullable=False)
