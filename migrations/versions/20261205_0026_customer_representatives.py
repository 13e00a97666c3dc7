"""Representatives and advocates a customer has agreed may act for them.

``customer_representative`` holds who they are, the customer's consent (when and how it was
given, and the last day it covers, if any), whether letters are copied to them, and when and
why they stopped acting. Rows are ended, never deleted. This is not the "third-party
representative" restriction, which is a decision recorded on ``restriction``.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade() -> None:
    op.create_table(
        "customer_representative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "relation",
            _enum(
                "representativerelation",
                "advocate",
                "family_or_friend",
                "support_worker",
                "solicitor",
                "councillor_or_mp",
                "other",
            ),
            nullable=False,
        ),
        sa.Column("relation_detail", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("consent_given_on", sa.Date(), nullable=False),
        sa.Column(
            "consent_method",
            _enum("consentmethod", "in_writing", "by_phone", "in_person", "portal"),
            nullable=False,
        ),
        sa.Column("consent_until", sa.Date(), nullable=True),
        sa.Column("copy_letters", sa.Boolean(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "ended_because",
            _enum("representativeending", "consent_withdrawn", "arrangement_ended"),
            nullable=True,
        ),
        sa.Column("end_reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "(ended_at IS NULL AND ended_by_id IS NULL AND ended_because IS NULL) OR "
            "(ended_at IS NOT NULL AND ended_by_id IS NOT NULL AND ended_because IS NOT NULL)",
            name=op.f("ck_customer_representative_ended_has_who"),
        ),
        sa.CheckConstraint(
            "consent_until IS NULL OR consent_until > consent_given_on",
            name=op.f("ck_customer_representative_until_after_given"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_representative_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["staff_user.id"],
            name=op.f("fk_customer_representative_added_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["staff_user.id"],
            name=op.f("fk_customer_representative_ended_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_representative")),
    )
    for column in ("customer_id", "added_by_id", "ended_by_id"):
        op.create_index(
            op.f(f"ix_customer_representative_{column}"),
            "customer_representative",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for column in ("customer_id", "added_by_id", "ended_by_id"):
        op.drop_index(
            op.f(f"ix_customer_representative_{column}"), table_name="customer_representative"
        )
    op.drop_table("customer_representative")
