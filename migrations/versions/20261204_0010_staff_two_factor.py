"""Staff two-factor sign-in: an authenticator secret on each account, and recovery codes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# staff_user is never copied and rebuilt (SQLite's batch "recreate"): with foreign keys on,
# dropping the old copy would cascade to every role and session that points at it. Adding
# and dropping plain columns is done in place on both SQLite (3.35 and later) and PostgreSQL.
def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    op.create_table('staff_recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('used_at IS NULL OR used_at >= created_at', name=op.f('ck_staff_recovery_code_used_after_made')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_staff_recovery_code_user_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_recovery_code'))
    )
    with op.batch_alter_table('staff_recovery_code', schema=None) as batch_op:
        batch_op.create_index('ix_staff_recovery_code_user', ['user_id', 'used_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_recovery_code', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_recovery_code_user')
    op.drop_table('staff_recovery_code')

    with op.batch_alter_table('staff_user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('totp_secret')
