"""The organisation's customer-facing text in each language; its name in the header.

``organisation_text`` holds, for each of the always-open routes and the ways to appeal and to
ask for a review, the organisation's own wording in a language other than English. A language
with no row shows the English, marked as English. Nothing is copied: the English stays on
``organisation``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'organisation_text',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.CheckConstraint(
            "field IN ('complaints_contact', 'emergency_contact', 'appeals_contact',"
            " 'review_request_contact')",
            name=op.f('ck_organisation_text_known_field'),
        ),
        sa.CheckConstraint("language <> 'en'", name=op.f('ck_organisation_text_not_english')),
        sa.CheckConstraint('length(text) > 0', name=op.f('ck_organisation_text_not_blank')),
        sa.ForeignKeyConstraint(
            ['organisation_id'],
            ['organisation.id'],
            name=op.f('fk_organisation_text_organisation_id_organisation'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint(
            'organisation_id', 'field', 'language', name=op.f('pk_organisation_text')
        ),
    )


def downgrade() -> None:
    op.drop_table('organisation_text')
