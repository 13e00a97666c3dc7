"""Migration 0031 (§4.7): Panel reviews already on record that asked for an Equality Impact
Assessment get an open one, due 10 working days after the review as the app counts it (Easter
2027 and a closure day skipped); reviews that asked for none get none; undoing it drops the
table. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL points at a server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import create_app
from portal.impact import services
from portal.incidents.catalogue import Channel
from portal.incidents.models import Incident, Route
from portal.panel.models import CONTEXT_CONSIDERATIONS, Outcome, PanelReview
from portal.workdays.calendar import WorkingCalendar
from portal.workdays.models import Closure
from tests.test_migrations import (  # noqa: F401 (fixtures)
    _cli,
    _someone_and_a_tenant,
    migration_url,
    throwaway_postgres,
)

REVIEWED = datetime(2027, 3, 18, 10, 0, tzinfo=UTC)  # a Thursday, before Easter
CLOSED = date(2027, 4, 1)


def _reviews(engine: sa.Engine) -> dict[bool, int]:
    """Two reviewed incidents, one asking for an assessment; a closure day on record."""
    made = {}
    with Session(engine) as session:
        staff, customer = _someone_and_a_tenant(session, REVIEWED, "C-MIG-EIA")
        session.add(
            Closure(day=CLOSED, reason="Office move", added_by_id=staff.id, added_at=REVIEWED)
        )
        for n, needed in enumerate((True, False)):
            incident = Incident(
                reference=f"INC-MIG-EIA-{n}",
                customer_id=customer.id,
                reported_by_id=staff.id,
                line_manager_id=staff.id,
                occurred_at=REVIEWED - timedelta(days=2),
                reported_at=REVIEWED - timedelta(days=1),
                channel=Channel.PHONE,
                description="Checking the migration.",
                example_types=["verbal_abuse"],
                protected_characteristics=[],
                manager_decisions=[],
                route=Route.ASB,
                review_due_on=date(2027, 3, 22),
            )
            session.add(incident)
            session.flush()
            review = PanelReview(
                incident_id=incident.id,
                reviewer_id=staff.id,
                reviewed_at=REVIEWED,
                context_considered=sorted(CONTEXT_CONSIDERATIONS),
                context_notes="Weighed.",
                eia_needed=needed,
                eia_notes="The equality lead." if needed else "",
                outcome=Outcome.NO_ACTION,
                reasons="Reasons.",
            )
            session.add(review)
            session.flush()
            made[needed] = review.id
        session.commit()
    return made


@pytest.mark.policy("4.7")
def test_reviews_on_record_that_asked_for_an_assessment_get_one(migration_url):  # noqa: F811
    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    try:
        _cli(app, "db-upgrade")
        made = _reviews(engine)
        _cli(app, "db-downgrade", "--revision", "0030")
        _cli(app, "db-upgrade")
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT panel_review_id, status, due_on, version, completed_at "
                    "FROM impact_assessment"
                )
            ).all()
        [(review_id, status, due_on, version, completed_at)] = rows
        due = due_on if isinstance(due_on, date) else date.fromisoformat(due_on)
        counted = services.due_date(REVIEWED, WorkingCalendar({CLOSED: "Office move"})).due
        assert review_id == made[True] and status == "open" and version == 1
        assert completed_at is None
        # Fri 19, Mon 22 – Thu 25 March; Good Friday, Easter Monday and 1 April skipped.
        assert due == counted == date(2027, 4, 6)
        _cli(app, "db-downgrade", "--revision", "0030")
        with engine.connect() as connection:
            assert "impact_assessment" not in sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()
