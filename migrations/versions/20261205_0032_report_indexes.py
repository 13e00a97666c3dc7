"""Indexes for the committee report's periods (§10.3).

The six-monthly report counts, for a period, the Panel reviews due (``incident.review_due_on``)
and done (``panel_review.reviewed_at``), the warnings issued (``conduct_warning.issued_on``)
and one kind of audit event (``audit_event.action`` and ``at``). None of these had an index that
starts with the column filtered on, so each count read its whole table.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05
"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_incident_review_due", "incident", ["review_due_on"]),
    ("ix_audit_action_at", "audit_event", ["action", "at"]),
    ("ix_panel_review_reviewed", "panel_review", ["reviewed_at"]),
    ("ix_warning_issued", "conduct_warning", ["issued_on"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
