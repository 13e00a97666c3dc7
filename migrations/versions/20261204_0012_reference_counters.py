"""References from the database, and one-time keys for create forms.

``reference_counter`` holds the last number given to each kind of record in each year; it is
seeded here from the references already given, so the next incident, letter, restriction
request or appeal carries on from the highest number in use (not from a count, which a
deleted or renumbered record would make clash). ``submission_key`` holds the key of each
create form sent, and what it created.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import re

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


# kind -> (reference prefix, table); written out here, not imported, so the revision keeps
# meaning what it meant when it was written.
KINDS = {
    'incident': ('INC', 'incident'),
    'letter': ('LET', 'letter'),
    'restriction_request': ('RR', 'restriction_request'),
    'appeal': ('AP', 'appeal'),
}


def upgrade() -> None:
    counter = op.create_table('reference_counter',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_reference_counter_not_negative')),
    sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_reference_counter'))
    )
    op.create_table('submission_key',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('used_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_submission_key_user_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_submission_key'))
    )
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_key_used_at'), ['used_at'], unique=False)

    connection = op.get_bind()
    rows = []
    for kind, (prefix, table) in KINDS.items():
        pattern = re.compile(rf'{prefix}-(\d{{4}})-(\d+)')
        column = sa.table(table, sa.column('reference', sa.String)).c.reference
        highest: dict[int, int] = {}
        for reference in connection.scalars(sa.select(column).where(column.like(f'{prefix}-%'))):
            found = pattern.fullmatch(reference or '')
            if found:
                year, number = int(found.group(1)), int(found.group(2))
                highest[year] = max(highest.get(year, 0), number)
        rows += [{'kind': kind, 'year': y, 'value': n} for y, n in sorted(highest.items())]
    if rows:
        op.bulk_insert(counter, rows)


def downgrade() -> None:
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_key_used_at'))
    op.drop_table('submission_key')
    op.drop_table('reference_counter')
