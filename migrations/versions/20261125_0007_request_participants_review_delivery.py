"""Who wrote, changed and decided each restriction request (one part each, so nobody decides a
request they wrote or changed), and how each review letter was sent.

Existing requests get their requester and their decider; whoever answered GLT's question is
read from the audit trail (a decider who had also answered is left out: the decision stands,
and the audit trail still shows both).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('restriction_request_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.Enum('requested', 'answered', 'decided', name='requestpart', native_enum=False, length=40), nullable=False),
    sa.Column('at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['restriction_request.id'], name=op.f('fk_restriction_request_participant_request_id_restriction_request')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_restriction_request_participant_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restriction_request_participant')),
    sa.UniqueConstraint('request_id', 'user_id', name=op.f('uq_restriction_request_participant_request_id'))
    )
    with op.batch_alter_table('restriction_request_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restriction_request_participant_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('restriction_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.Enum('portal', 'email', 'post', 'hand', name='delivery', native_enum=False, length=40), nullable=True))

    op.execute(
        "INSERT INTO restriction_request_participant (request_id, user_id, part, at) "
        "SELECT id, requested_by_id, 'requested', requested_at FROM restriction_request"
    )
    op.execute(
        "INSERT INTO restriction_request_participant (request_id, user_id, part, at) "
        "SELECT e.entity_id, e.actor_id, 'answered', MIN(e.at) FROM audit_event e "
        "JOIN restriction_request r ON r.id = e.entity_id "
        "WHERE e.action = 'restriction_request.resubmitted' "
        "AND e.entity_type = 'restriction_request' AND e.actor_id IS NOT NULL "
        "AND e.actor_id <> r.requested_by_id "
        "GROUP BY e.entity_id, e.actor_id"
    )
    op.execute(
        "INSERT INTO restriction_request_participant (request_id, user_id, part, at) "
        "SELECT r.id, r.decided_by_id, 'decided', r.decided_at FROM restriction_request r "
        "WHERE r.decided_by_id IS NOT NULL AND r.decided_at IS NOT NULL AND NOT EXISTS ("
        "SELECT 1 FROM restriction_request_participant p "
        "WHERE p.request_id = r.id AND p.user_id = r.decided_by_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('restriction_review', schema=None) as batch_op:
        batch_op.drop_column('delivery')

    with op.batch_alter_table('restriction_request_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restriction_request_participant_request_id'))

    op.drop_table('restriction_request_participant')
