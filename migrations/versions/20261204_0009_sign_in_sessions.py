"""Sign-in sessions the server can end; throttling moves out of the database.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('customer_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('second_factor_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.CheckConstraint('(staff_user_id IS NULL) <> (customer_account_id IS NULL)', name=op.f('ck_sign_in_session_one_holder')),
    sa.CheckConstraint("ended_at IS NULL OR ended_reason <> ''", name=op.f('ck_sign_in_session_ended_with_reason')),
    sa.ForeignKeyConstraint(['customer_account_id'], ['customer_account.id'], name=op.f('fk_sign_in_session_customer_account_id_customer_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], name=op.f('fk_sign_in_session_staff_user_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_session_token_hash'))
    )
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_session_customer', ['customer_account_id', 'ended_at'], unique=False)
        batch_op.create_index('ix_sign_in_session_staff', ['staff_user_id', 'ended_at'], unique=False)
    # Failed sign-ins are counted by the rate limiter now (memory or Redis), per account and
    # address; the old per-address counts are not carried over.
    op.drop_table('login_throttle')


def downgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttle')),
    sa.UniqueConstraint('email', name=op.f('uq_login_throttle_email'))
    )
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_session_staff')
        batch_op.drop_index('ix_sign_in_session_customer')
    op.drop_table('sign_in_session')
