"""Themes, their escalations and the Panel's reviews of the register (§10.2).

``theme`` is the Panel's managed list of recurring themes (a name unique without regard to
case, kept folded in ``name_key``; retired themes stay, with who retired them and when).
``incident_theme`` tags an incident with a theme, once per pair. ``theme_escalation`` records
a theme taken to the Business Influencers Group or the Complaints Quality Network, with its
outcome and follow-up date. ``register_review`` records each regular review of the central
incidents register: when, who attended, and notes.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

INDEXED = {
    "theme": ("created_by_id", "retired_by_id"),
    "incident_theme": ("incident_id", "theme_id", "tagged_by_id"),
    "theme_escalation": ("theme_id", "escalated_by_id", "outcome_by_id"),
    "register_review": ("recorded_by_id",),
}


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, portal.db.UTCDateTime(timezone=True), nullable=nullable)


def _staff(table: str, column: str, nullable: bool = False) -> tuple:
    return (
        sa.Column(column, sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint(
            [column], ["staff_user.id"], name=op.f(f"fk_{table}_{column}_staff_user")
        ),
    )


def upgrade() -> None:
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        *_staff("theme", "created_by_id"),
        _when("retired_at", nullable=True),
        *_staff("theme", "retired_by_id", nullable=True),
        sa.CheckConstraint(
            "(retired_at IS NULL) = (retired_by_id IS NULL)", name=op.f("ck_theme_retired_has_who")
        ),
        sa.CheckConstraint(
            "active = (retired_at IS NULL)", name=op.f("ck_theme_active_unless_retired")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
        sa.UniqueConstraint("name_key", name=op.f("uq_theme_name_key")),
    )
    op.create_table(
        "incident_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        *_staff("incident_theme", "tagged_by_id"),
        _when("tagged_at"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_theme_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_incident_theme_theme_id_theme")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_theme")),
        sa.UniqueConstraint("incident_id", "theme_id", name="uq_incident_theme_pair"),
    )
    op.create_index(
        "ix_incident_theme_theme_incident", "incident_theme", ["theme_id", "incident_id"]
    )
    op.create_table(
        "theme_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column(
            "escalated_to",
            sa.Enum("big", "cqn", name="escalatedto", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("escalated_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        *_staff("theme_escalation", "escalated_by_id"),
        _when("recorded_at"),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        *_staff("theme_escalation", "outcome_by_id", nullable=True),
        sa.CheckConstraint(
            "(outcome_on IS NULL) = (outcome_by_id IS NULL)",
            name=op.f("ck_theme_escalation_outcome_has_who"),
        ),
        sa.CheckConstraint(
            "outcome_on IS NULL OR outcome <> ''", name=op.f("ck_theme_escalation_outcome_has_text")
        ),
        sa.CheckConstraint("summary <> ''", name=op.f("ck_theme_escalation_has_summary")),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_theme_escalation_theme_id_theme")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_escalation")),
    )
    op.create_table(
        "register_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_staff("register_review", "recorded_by_id"),
        _when("recorded_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_review")),
    )
    op.create_index("ix_register_review_held_on", "register_review", ["held_on", "id"])
    for table, columns in INDEXED.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, columns in INDEXED.items():
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_index("ix_register_review_held_on", table_name="register_review")
    op.drop_index("ix_incident_theme_theme_incident", table_name="incident_theme")
    for table in ("register_review", "theme_escalation", "incident_theme", "theme"):
        op.drop_table(table)
