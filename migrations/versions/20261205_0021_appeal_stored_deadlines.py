"""Each appeal step's due date stored on the appeal, and the due date of the step it waits on.

The dates of appeals already sent are counted here with the appeal clock's pure rules
(``portal.appeals.rules``) against the closure days and the cut-off on record, as the app
counts them; the app keeps them up to date from then on (``portal.appeals.due_dates``).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from datetime import time

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

DUE = ('acknowledge_due_on', 'to_glt_due_on', 'glt_review_due_on', 'notify_cem_due_on',
       'tell_customer_due_on')
DONE = ('acknowledged_on', 'referred_on', 'reviewed_on', 'cem_notified_on', 'customer_told_on')
OPEN = ('lodged', 'acknowledged', 'with_glt', 'decided')


def upgrade() -> None:
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        for name in (*DUE, 'next_due_on'):
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.create_index('ix_appeal_status_next_due', ['status', 'next_due_on'], unique=False)
    _count_sent_appeals()


def _count_sent_appeals() -> None:
    from portal.appeals.rules import appeal_clock
    from portal.workdays.calendar import WorkingCalendar

    bind = op.get_bind()
    closure = sa.table('closure_day', sa.column('day', sa.Date()), sa.column('reason', sa.String()))
    organisation = sa.table('organisation', sa.column('cutoff_time', sa.Time()))
    appeal = sa.table(
        'appeal',
        sa.column('id', sa.Integer()),
        sa.column('status', sa.String()),
        sa.column('received_at', portal.db.UTCDateTime()),
        *(sa.column(name, sa.Date()) for name in (*DUE, *DONE, 'next_due_on')),
    )
    calendar = WorkingCalendar(
        {row.day: row.reason for row in bind.execute(sa.select(closure.c.day, closure.c.reason))}
    )
    cutoff = bind.execute(sa.select(organisation.c.cutoff_time).limit(1)).scalar() or time(17, 0)
    rows = bind.execute(
        sa.select(appeal.c.id, appeal.c.status, appeal.c.received_at, *(appeal.c[d] for d in DONE))
        .where(appeal.c.received_at.is_not(None), appeal.c.status != 'draft')
    ).all()
    for row in rows:
        done = [getattr(row, name) for name in DONE]
        clock = appeal_clock(row.received_at, cutoff, calendar, **dict(zip(DONE, done, strict=True)))
        dues = [step.due for step in clock.steps]
        waiting = next((due for due, on in zip(dues, done, strict=True) if on is None), None)
        bind.execute(
            appeal.update()
            .where(appeal.c.id == row.id)
            .values(**dict(zip(DUE, dues, strict=True)), next_due_on=waiting if row.status in OPEN else None)
        )


def downgrade() -> None:
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index('ix_appeal_status_next_due')
        for name in ('next_due_on', *reversed(DUE)):
            batch_op.drop_column(name)
