"""Equality monitoring answers, kept apart from the customer record (§11.1, §12.1).

``equality_record`` holds, for one customer at most, whether they agreed to give their
protected characteristics (when and how), and their answers: age band, sex, whether their
gender identity is the same as the sex registered at birth, ethnic group (the 2021 census's
top-level groups), religion or belief, disability, sexual orientation and marital or civil
partnership status. Each answer is a code, "prefer_not_to_say", or NULL when not answered; a
check constraint keeps every answer NULL when consent was refused. ``version`` moves on with
every save (optimistic concurrency).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# The answers each characteristic may hold, as at this revision.
ANSWERS = {
    "age_band": ("16_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75_plus"),
    "sex": ("female", "male"),
    "gender_same_as_birth": ("yes", "no"),
    "ethnic_group": ("asian", "black", "mixed", "white", "other"),
    "religion": ("none", "christian", "buddhist", "hindu", "jewish", "muslim", "sikh", "other"),
    "disability": ("yes", "no"),
    "sexual_orientation": ("straight", "gay_or_lesbian", "bisexual", "other"),
    "marital_status": ("never", "married", "separated", "dissolved", "widowed"),
}


def _known(name: str) -> sa.CheckConstraint:
    codes = ", ".join(f"'{code}'" for code in (*ANSWERS[name], "prefer_not_to_say"))
    return sa.CheckConstraint(
        f"{name} IS NULL OR {name} IN ({codes})", name=op.f(f"ck_equality_record_{name}_known")
    )


def upgrade() -> None:
    nothing = " AND ".join(f"{name} IS NULL" for name in ANSWERS)
    op.create_table(
        "equality_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("consent_given", sa.Boolean(), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=False),
        sa.Column(
            "consent_method",
            sa.Enum(
                "in_person",
                "by_phone",
                "in_writing",
                name="consentmethod",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        *(sa.Column(name, sa.String(length=40), nullable=True) for name in ANSWERS),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            f"consent_given OR ({nothing})",
            name=op.f("ck_equality_record_nothing_without_consent"),
        ),
        *(_known(name) for name in ANSWERS),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_equality_record_customer_id_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_equality_record_recorded_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_record")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_equality_record_customer_id")),
    )
    op.create_index(
        op.f("ix_equality_record_recorded_by_id"),
        "equality_record",
        ["recorded_by_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_equality_record_recorded_by_id"), table_name="equality_record")
    op.drop_table("equality_record")
