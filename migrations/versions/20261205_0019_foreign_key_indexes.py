"""Indexes for the foreign keys and filters that pages use: every foreign-key column leads an
index, and the staff home reads the reports waiting for a line manager and a colleague's recent
reports by (line manager, reported at) and (reporter, reported at), and the correspondence and
customers' answers to arrangements still to handle by (status, when).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# (table, index, columns)
INDEXES = [
    ("access_refusal", "ix_access_refusal_recorded_by_id", ["recorded_by_id"]),
    ("alert", "ix_alert_ended_by_id", ["ended_by_id"]),
    ("alert", "ix_alert_incident_id", ["incident_id"]),
    ("alert", "ix_alert_raised_by_id", ["raised_by_id"]),
    ("appeal", "ix_appeal_acknowledgement_letter_id", ["acknowledgement_letter_id"]),
    ("appeal", "ix_appeal_decided_by_id", ["decided_by_id"]),
    ("appeal", "ix_appeal_late_decided_by_id", ["late_decided_by_id"]),
    ("appeal", "ix_appeal_late_letter_id", ["late_letter_id"]),
    ("appeal", "ix_appeal_lodged_by_staff_id", ["lodged_by_staff_id"]),
    ("appeal", "ix_appeal_outcome_letter_id", ["outcome_letter_id"]),
    ("arrangement", "ix_arrangement_approved_by_id", ["approved_by_id"]),
    ("arrangement", "ix_arrangement_incident_id", ["incident_id"]),
    ("arrangement", "ix_arrangement_letter_id", ["letter_id"]),
    ("arrangement", "ix_arrangement_response_recorded_by_id", ["response_recorded_by_id"]),
    ("arrangement", "ix_arrangement_status_responded", ["status", "responded_at"]),
    ("attachment", "ix_attachment_uploaded_by_id", ["uploaded_by_id"]),
    ("audit_event", "ix_audit_event_actor_id", ["actor_id"]),
    ("closure_day", "ix_closure_day_added_by_id", ["added_by_id"]),
    ("conduct_warning", "ix_conduct_warning_issued_by_id", ["issued_by_id"]),
    ("contact_log_entry", "ix_contact_log_entry_logged_by_id", ["logged_by_id"]),
    ("correspondence", "ix_correspondence_letter_id", ["letter_id"]),
    ("correspondence", "ix_correspondence_logged_by_id", ["logged_by_id"]),
    ("correspondence", "ix_correspondence_read_by_id", ["read_by_id"]),
    ("correspondence", "ix_correspondence_restriction_id", ["restriction_id"]),
    ("correspondence", "ix_correspondence_status_received", ["status", "received_at"]),
    ("customer", "ix_customer_tenant_id", ["tenant_id"]),
    ("customer_access_code", "ix_customer_access_code_issued_by_id", ["issued_by_id"]),
    ("incident", "ix_incident_line_manager_reported", ["line_manager_id", "reported_at"]),
    ("incident", "ix_incident_manager_decided_by_id", ["manager_decided_by_id"]),
    ("incident", "ix_incident_reported_by_reported", ["reported_by_id", "reported_at"]),
    ("incident", "ix_incident_serious_marked_by_id", ["serious_marked_by_id"]),
    ("letter", "ix_letter_issued_by_id", ["issued_by_id"]),
    ("panel_review", "ix_panel_review_reviewer_id", ["reviewer_id"]),
    ("restriction", "ix_restriction_approved_by_id", ["approved_by_id"]),
    ("restriction", "ix_restriction_letter_id", ["letter_id"]),
    ("restriction", "ix_restriction_named_manager_id", ["named_manager_id"]),
    ("restriction", "ix_restriction_reintroduces_id", ["reintroduces_id"]),
    ("restriction", "ix_restriction_replaces_id", ["replaces_id"]),
    ("restriction", "ix_restriction_request_id", ["request_id"]),
    ("restriction_request", "ix_restriction_request_decided_by_id", ["decided_by_id"]),
    ("restriction_request", "ix_restriction_request_final_warning_id", ["final_warning_id"]),
    ("restriction_request", "ix_restriction_request_requested_by_id", ["requested_by_id"]),
    ("restriction_request", "ix_restriction_request_waiver_incident_id", ["waiver_incident_id"]),
    ("restriction_request_participant", "ix_restriction_request_participant_user_id", ["user_id"]),
    ("restriction_review", "ix_restriction_review_letter_id", ["letter_id"]),
    ("restriction_review", "ix_restriction_review_reviewer_id", ["reviewer_id"]),
    ("staff_user", "ix_staff_user_line_manager_id", ["line_manager_id"]),
    ("submission_key", "ix_submission_key_user_id", ["user_id"]),
]


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
