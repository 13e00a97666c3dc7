"""Customer records kept in the portal: the housing system's reference and edit versions.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


# customer is never copied and rebuilt (SQLite's batch "recreate"): the rebuild would drop the
# customer search's triggers (0020) and, with foreign keys on, cascade to every row that points
# at a customer. Plain columns and an index are added and dropped in place on both SQLite
# (3.35 and later) and PostgreSQL; the housing reference is unique through its index.
def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('housing_ref', sa.String(length=40), nullable=True))
        # Every customer already recorded starts at version 1.
        batch_op.add_column(
            sa.Column('version', sa.Integer(), server_default='1', nullable=False)
        )
        batch_op.create_index('ix_customer_housing_ref', ['housing_ref'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_customer_housing_ref')
        batch_op.drop_column('version')
        batch_op.drop_column('housing_ref')
