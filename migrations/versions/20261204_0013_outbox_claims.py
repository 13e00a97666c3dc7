"""Outbox claims and the daily jobs' runs, for several workers at once.

Each email gets the sender that has claimed it and until when (``claimed_by``,
``claimed_until``), so two senders never send it twice while they run; ``scheduled_run`` holds
one row per daily job per day, unique, so a daily job runs once a day however many workers
there are.

The outbox table has no foreign keys either way, so on SQLite it is copied and rebuilt to take
the new CHECK constraint (and rebuilt again on the way down); emails queued are kept.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('claimed_until', portal.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            op.f('ck_outbox_email_claim_has_lease'),
            '(claimed_by IS NULL AND claimed_until IS NULL)'
            ' OR (claimed_by IS NOT NULL AND claimed_until IS NOT NULL)',
        )
        batch_op.create_index('ix_outbox_email_claimed_by', ['claimed_by'], unique=False)

    op.create_table('scheduled_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=60), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('ran_by', sa.String(length=64), nullable=False),
    sa.Column('ran_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_run')),
    sa.UniqueConstraint('job', 'day', name=op.f('uq_scheduled_run_job'))
    )


def downgrade() -> None:
    op.drop_table('scheduled_run')
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_email_claimed_by')
        batch_op.drop_constraint(op.f('ck_outbox_email_claim_has_lease'), type_='check')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
