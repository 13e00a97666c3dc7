"""The Panel marks an incident serious (or not) under §8.1, with a reason; a warning letter's
summary of the behaviour in the Panel's words (§8.9).

``incident`` gains ``serious_reason``, ``serious_marked_at`` and ``serious_marked_by_id`` (all
empty until the Panel marks it: ``serious`` keeps what the report said until then).
``panel_review`` gains ``letter_summary``: reviews recorded before this revision have none, and
their letters (frozen at issue) keep quoting the report.

On SQLite ``incident`` is copied and rebuilt for its new constraints and foreign key.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serious_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('serious_marked_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('serious_marked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_incident_serious_marked_by_id_staff_user'), 'staff_user', ['serious_marked_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_incident_serious_marked_has_who'), '(serious_marked_at IS NULL) = (serious_marked_by_id IS NULL)')
        batch_op.create_check_constraint(batch_op.f('ck_incident_serious_marked_has_reason'), "serious_marked_at IS NULL OR serious_reason <> ''")
    with op.batch_alter_table('panel_review', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('letter_summary', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('panel_review', schema=None) as batch_op:
        batch_op.drop_column('letter_summary')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_incident_serious_marked_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_incident_serious_marked_has_who'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_incident_serious_marked_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_column('serious_marked_by_id')
        batch_op.drop_column('serious_marked_at')
        batch_op.drop_column('serious_reason')
