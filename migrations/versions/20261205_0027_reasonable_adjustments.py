"""Reasonable adjustments kept on the customer (§12.1, §4.5).

``customer_adjustments`` holds, for each customer who has any, the formats they need letters
in (large print, easy read, audio, Braille), whether they need an interpreter and in which
language, whether they want an advocate or representative (those acting for them stay in
``customer_representative``), their preferred way and time of contact, and anything else,
with a version so two colleagues editing at once are told. One row per customer, keyed by
the customer's id: the customer table and its search triggers are not rebuilt.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_adjustments",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("large_print", sa.Boolean(), nullable=False),
        sa.Column("easy_read", sa.Boolean(), nullable=False),
        sa.Column("audio", sa.Boolean(), nullable=False),
        sa.Column("braille", sa.Boolean(), nullable=False),
        sa.Column("interpreter", sa.Boolean(), nullable=False),
        sa.Column("interpreter_language", sa.String(length=80), nullable=False),
        sa.Column("wants_advocate", sa.Boolean(), nullable=False),
        sa.Column("contact_way", sa.String(length=10), nullable=False),
        sa.Column("contact_time", sa.String(length=200), nullable=False),
        sa.Column("other", sa.String(length=1000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "contact_way IN ('', 'phone', 'email', 'letter', 'text')",
            name=op.f("ck_customer_adjustments_known_contact_way"),
        ),
        sa.CheckConstraint("version > 0", name=op.f("ck_customer_adjustments_version_positive")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_adjustments_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_user.id"],
            name=op.f("fk_customer_adjustments_updated_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_adjustments")),
    )
    op.create_index(
        op.f("ix_customer_adjustments_updated_by_id"),
        "customer_adjustments",
        ["updated_by_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_adjustments_updated_by_id"), table_name="customer_adjustments")
    op.drop_table("customer_adjustments")
