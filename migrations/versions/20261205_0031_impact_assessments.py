"""Equality Impact Assessments tracked to an outcome (§4.7).

``impact_assessment`` holds one assessment for each Panel review that said one is needed:
the incident and customer, when it is due, who it is given to, and once completed what was
considered, the adjustments made, the outcome, who completed it and when. ``version`` rises
with each change so a page shown before someone else's change cannot overwrite it.

Reviews already on record that asked for an assessment get one, opened at the review and due
10 working days after it (England & Wales bank holidays and the closure days on record are
not working days).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

from datetime import UTC, date, timedelta

import holidays
import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TABLE = "impact_assessment"
INDEXED = ("incident_id", "customer_id", "assigned_to_id", "completed_by_id")
DUE_WORKING_DAYS = 10


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, portal.db.UTCDateTime(timezone=True), nullable=nullable)


def _refers(column: str, table: str, nullable: bool = False) -> tuple:
    return (
        sa.Column(column, sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint(
            [column], [f"{table}.id"], name=op.f(f"fk_{TABLE}_{column}_{table}")
        ),
    )


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        *_refers("panel_review_id", "panel_review"),
        *_refers("incident_id", "incident"),
        *_refers("customer_id", "customer"),
        _when("opened_at"),
        sa.Column("due_on", sa.Date(), nullable=False),
        *_refers("assigned_to_id", "staff_user", nullable=True),
        sa.Column("status", _enum("assessmentstatus", "open", "completed"), nullable=False),
        sa.Column(
            "outcome",
            _enum("assessmentoutcome", "no_impact", "adjustments_made", "action_changed"),
            nullable=True,
        ),
        sa.Column("considered", sa.Text(), nullable=False),
        sa.Column("adjustments", sa.Text(), nullable=False),
        _when("completed_at", nullable=True),
        *_refers("completed_by_id", "staff_user", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)",
            name=op.f(f"ck_{TABLE}_completed_has_when"),
        ),
        sa.CheckConstraint(
            "(completed_at IS NULL) = (completed_by_id IS NULL)",
            name=op.f(f"ck_{TABLE}_completed_has_who"),
        ),
        sa.CheckConstraint(
            "(completed_at IS NULL) = (outcome IS NULL)",
            name=op.f(f"ck_{TABLE}_completed_has_outcome"),
        ),
        sa.CheckConstraint(
            "completed_at IS NULL OR considered <> ''",
            name=op.f(f"ck_{TABLE}_completed_has_reasons"),
        ),
        sa.CheckConstraint("version > 0", name=op.f(f"ck_{TABLE}_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("panel_review_id", name=op.f(f"uq_{TABLE}_panel_review_id")),
    )
    op.create_index("ix_impact_assessment_status_due", TABLE, ["status", "due_on", "id"])
    for column in INDEXED:
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column], unique=False)
    _open_for_reviews_on_record()


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_index("ix_impact_assessment_status_due", table_name=TABLE)
    op.drop_table(TABLE)


def _london_day(moment) -> date:
    from zoneinfo import ZoneInfo

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo("Europe/London")).date()


def _due(start: date, closed: set[date]) -> date:
    """``DUE_WORKING_DAYS`` working days after day 0 = ``start``: this revision's own count,
    so the migration keeps giving the same answer whatever the application's code becomes."""
    day, counted = start, 0
    while counted < DUE_WORKING_DAYS:
        day += timedelta(days=1)
        bank = holidays.country_holidays("GB", subdiv="ENG", years=day.year)
        if day.weekday() < 5 and day not in bank and day not in closed:
            counted += 1
    return day


def _open_for_reviews_on_record() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    review = sa.Table("panel_review", meta, autoload_with=bind)
    incident = sa.Table("incident", meta, autoload_with=bind)
    closure = sa.Table("closure_day", meta, autoload_with=bind)
    closed = {row.day for row in bind.execute(sa.select(closure.c.day))}
    wanted = bind.execute(
        sa.select(review.c.id, review.c.incident_id, review.c.reviewed_at, incident.c.customer_id)
        .join(incident, incident.c.id == review.c.incident_id)
        .where(review.c.eia_needed.is_(True))
        .order_by(review.c.id)
    ).all()
    if not wanted:
        return
    target = sa.table(
        TABLE,
        sa.column("panel_review_id"),
        sa.column("incident_id"),
        sa.column("customer_id"),
        sa.column("opened_at", portal.db.UTCDateTime(timezone=True)),
        sa.column("due_on", sa.Date()),
        sa.column("status"),
        sa.column("considered"),
        sa.column("adjustments"),
        sa.column("version"),
    )
    rows = []
    for review_id, incident_id, reviewed_at, customer_id in wanted:
        at = reviewed_at if reviewed_at.tzinfo else reviewed_at.replace(tzinfo=UTC)
        rows.append(
            {
                "panel_review_id": review_id,
                "incident_id": incident_id,
                "customer_id": customer_id,
                "opened_at": at,
                "due_on": _due(_london_day(at), closed),
                "status": "open",
                "considered": "",
                "adjustments": "",
                "version": 1,
            }
        )
    op.bulk_insert(target, rows)
