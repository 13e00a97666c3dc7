"""An appeal's "Do you need an interpreter?" can be unanswered (NULL) until the customer answers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.alter_column('needs_interpreter', existing_type=sa.Boolean(), nullable=True)
    # A draft's "no" may have been the old pre-ticked answer, not the customer's: ask again.
    op.execute(
        "UPDATE appeal SET needs_interpreter = NULL "
        "WHERE status = 'draft' AND NOT needs_interpreter AND interpreter_language = ''"
    )


def downgrade() -> None:
    op.execute("UPDATE appeal SET needs_interpreter = false WHERE needs_interpreter IS NULL")
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.alter_column('needs_interpreter', existing_type=sa.Boolean(), nullable=False)
