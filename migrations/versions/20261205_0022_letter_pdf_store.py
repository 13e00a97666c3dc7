"""Letter PDFs stored: a letter's kept PDFs are deleted with it (ON DELETE CASCADE), so that
deleting a letter, or a customer's letters under the retention rules, leaves no copy behind.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_letter_file_letter_id_letter"


def _letter_key(ondelete: str | None) -> None:
    with op.batch_alter_table("letter_file", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(FOREIGN_KEY), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f(FOREIGN_KEY), "letter", ["letter_id"], ["id"], ondelete=ondelete
        )


def upgrade() -> None:
    _letter_key("CASCADE")


def downgrade() -> None:
    _letter_key(None)
