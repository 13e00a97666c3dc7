"""How warning and arrangement letters were sent (issue 16 point 8).

``conduct_warning`` and ``arrangement`` gain ``delivery`` (portal, email, post or by hand) and
``sent_at``. Rows made before this revision have neither (nobody recorded how their letter
went), so both are nullable; the check only ties them together: both or neither.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


TABLES = ('conduct_warning', 'arrangement')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('delivery', sa.Enum('portal', 'email', 'post', 'hand', name='delivery', native_enum=False, length=40), nullable=True))
            batch_op.add_column(sa.Column('sent_at', portal.db.UTCDateTime(timezone=True), nullable=True))
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_delivery_has_time'), '(delivery IS NULL) = (sent_at IS NULL)')


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_delivery_has_time'), type_='check')
            batch_op.drop_column('sent_at')
            batch_op.drop_column('delivery')
