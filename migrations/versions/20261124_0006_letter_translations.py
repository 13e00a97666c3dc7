"""Letters sent in the customer's language carry that translation beside the English.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TRANSLATION_MATCHES_LANGUAGE = (
    "(language = 'en' AND translation_html IS NULL AND translation_subject IS NULL)"
    " OR (language <> 'en' AND length(translation_html) > 0"
    " AND translation_subject IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translation_subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('translation_html', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_letter_translation_matches_language'), TRANSLATION_MATCHES_LANGUAGE
        )


def downgrade() -> None:
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_letter_translation_matches_language'), type_='check')
        batch_op.drop_column('translation_html')
        batch_op.drop_column('translation_subject')
