"""Representative considered, equality impact outcome, other methods exhausted (§4.5, §4.7, §9.5).

``restriction_request`` gains the Panel's answers on a representative (§4.5) and the Equality
Impact Assessment (§4.7), GLT's own EIA answer at the decision, and the §9.5 confirmation that
all other methods were exhausted before all contact is ended. Requests made before this revision
have no answers (NULL, or false and empty text); the constraints hold for them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def eia_outcome() -> sa.Enum:
    return sa.Enum(
        'no_impact', 'adjustments_made', 'restriction_changed', 'not_complete',
        name='eiaoutcome', native_enum=False, length=40,
    )


CHECKS = {
    'representative_explained': "representative_considered IS NULL OR representative_decision <> ''",
    'eia_outcome_when_needed': 'eia_needed IS NULL OR NOT eia_needed OR eia_outcome IS NOT NULL',
    'decision_eia_outcome_when_needed': (
        'decision_eia_needed IS NULL OR NOT decision_eia_needed OR decision_eia_outcome IS NOT NULL'
    ),
    'exhausted_methods_described': "NOT other_methods_exhausted OR other_methods_tried <> ''",
}


def upgrade() -> None:
    with op.batch_alter_table('restriction_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('representative_considered', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('representative_decision', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('eia_needed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('eia_outcome', eia_outcome(), nullable=True))
        batch_op.add_column(sa.Column('eia_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('decision_eia_needed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('decision_eia_outcome', eia_outcome(), nullable=True))
        batch_op.add_column(sa.Column('decision_eia_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('other_methods_exhausted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('other_methods_tried', sa.Text(), server_default='', nullable=False))
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(batch_op.f(f'ck_restriction_request_{name}'), condition)


def downgrade() -> None:
    with op.batch_alter_table('restriction_request', schema=None) as batch_op:
        for name in reversed(CHECKS):
            batch_op.drop_constraint(batch_op.f(f'ck_restriction_request_{name}'), type_='check')
        for column in (
            'other_methods_tried', 'other_methods_exhausted', 'decision_eia_note',
            'decision_eia_outcome', 'decision_eia_needed', 'eia_note', 'eia_outcome',
            'eia_needed', 'representative_decision', 'representative_considered',
        ):
            batch_op.drop_column(column)
