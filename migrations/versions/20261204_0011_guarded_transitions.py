"""One appeal per decision: an appeal names the decision it is against, uniquely.

Appeals already sent are given the decision of their restriction (its decision letter, or
the restriction itself where it came without one). Should two appeals against one decision
have been sent before this revision, the first keeps the decision's key and each later one
is told apart by its own id, so nothing is lost and the index can be built.

The key is added and indexed in place on SQLite as on PostgreSQL: the appeal table is never
copied and rebuilt (with foreign keys on, dropping the old copy would take its evidence with
it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appeal', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('decision_key', sa.String(length=60), nullable=True))
    op.execute(
        "UPDATE appeal SET decision_key = ("
        "SELECT CASE WHEN restriction.letter_id IS NOT NULL "
        "THEN 'letter:' || CAST(restriction.letter_id AS VARCHAR(20)) "
        "ELSE 'restriction:' || CAST(restriction.id AS VARCHAR(20)) END "
        "FROM restriction WHERE restriction.id = appeal.restriction_id) "
        "WHERE status <> 'draft'"
    )
    op.execute(
        "UPDATE appeal SET decision_key = decision_key || '/appeal:' || CAST(id AS VARCHAR(20)) "
        "WHERE decision_key IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM appeal AS earlier "
        "WHERE earlier.decision_key = appeal.decision_key AND earlier.id < appeal.id)"
    )
    op.create_index(op.f('ix_appeal_decision_key'), 'appeal', ['decision_key'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_appeal_decision_key'), table_name='appeal')
    with op.batch_alter_table('appeal', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('decision_key')
