"""Issued committee reports (§10.3).

``issued_report`` keeps each six-monthly report as it was issued to the Customer Experience
Committee or the Health & Safety Committee for a meeting: the period, the meeting's date, the
report's figures as JSON and the SHA-256 of that JSON, who issued it and when. A committee is
issued the report for one period once for each meeting (a unique constraint).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "committee",
            sa.Enum(
                "customer_experience",
                "health_and_safety",
                name="committee",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_issued_report_period_in_order")
        ),
        sa.CheckConstraint("length(content_sha256) = 64", name=op.f("ck_issued_report_hashed")),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["staff_user.id"],
            name=op.f("fk_issued_report_issued_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_report")),
        sa.UniqueConstraint(
            "committee",
            "period_start",
            "period_end",
            "meeting_date",
            name="uq_issued_report_once_per_meeting",
        ),
    )
    op.create_index(
        op.f("ix_issued_report_issued_by_id"), "issued_report", ["issued_by_id"], unique=False
    )
    op.create_index("ix_issued_report_issued_at", "issued_report", ["issued_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_issued_report_issued_at", table_name="issued_report")
    op.drop_index(op.f("ix_issued_report_issued_by_id"), table_name="issued_report")
    op.drop_table("issued_report")
