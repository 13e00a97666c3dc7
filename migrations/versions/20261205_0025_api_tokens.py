"""API tokens for the housing management system, and the record of every API call.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff_user.id"], name=op.f("fk_api_token_created_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["staff_user.id"], name=op.f("fk_api_token_revoked_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_token_secret_hash")),
    )
    op.create_index(op.f("ix_api_token_created_by_id"), "api_token", ["created_by_id"])
    op.create_index(op.f("ix_api_token_revoked_by_id"), "api_token", ["revoked_by_id"])
    op.create_table(
        "api_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
            name=op.f("fk_api_call_token_id_api_token"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_call")),
    )
    op.create_index(op.f("ix_api_call_at"), "api_call", ["at"])
    op.create_index("ix_api_call_token_at", "api_call", ["token_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_api_call_token_at", table_name="api_call")
    op.drop_index(op.f("ix_api_call_at"), table_name="api_call")
    op.drop_table("api_call")
    op.drop_index(op.f("ix_api_token_revoked_by_id"), table_name="api_token")
    op.drop_index(op.f("ix_api_token_created_by_id"), table_name="api_token")
    op.drop_table("api_token")
