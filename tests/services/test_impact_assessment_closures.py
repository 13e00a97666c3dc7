"""A closure day added or removed moves the due date of each Equality Impact Assessment not
yet completed (§4.7), as it moves every other stored deadline still to come, and each move is
audited. Ten working days after the review; day 0 is the review's day in London.

Christmas and New Year 2026-27: Fri 25 Dec, Mon 28 Dec (Boxing Day, substitute) and Fri 1 Jan
are bank holidays, so a review on Fri 18 Dec 2026 makes an assessment due on Wed 6 Jan 2027.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import db
from portal.auth.models import Role
from portal.deadlines import add_closure, moved_dates, remove_closure
from portal.impact import services
from portal.impact.models import AssessmentStatus, ImpactAssessment
from portal.panel.models import Outcome

BEFORE_CHRISTMAS = datetime(2026, 12, 18, 16, 0, tzinfo=UTC)  # Friday; due Wed 6 Jan 2027
MOVED = "impact_assessment.due_recomputed"


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def open_assessment(make_customer, make_incident, review_incident, clock):
    """An assessment the Panel asked for at ``at``, with the clock left there."""

    def _open(at: datetime) -> ImpactAssessment:
        clock.now = at
        incident = make_incident(make_customer(), now=at)
        review = review_incident(
            incident,
            at,
            outcome=Outcome.NO_ACTION,
            letter_summary="",
            eia_needed=True,
            eia_notes="The customer is partially sighted.",
        )
        db.session.commit()
        return services.for_review(review.id)

    return _open


def _due(assessment: ImpactAssessment) -> date:
    db.session.expire_all()
    return db.session.get(ImpactAssessment, assessment.id).due_on


@pytest.mark.policy("4.7")
@pytest.mark.parametrize(
    ("reviewed_at", "closed", "due", "moved_to"),
    [
        # Mon 23 Nov 2026 is due Mon 7 Dec; the due day itself closed moves it to Tue 8 Dec.
        (datetime(2026, 11, 23, 10, tzinfo=UTC), date(2026, 12, 7), date(2026, 12, 7),
         date(2026, 12, 8)),
        # Over Christmas: Thu 24 Dec closed moves Wed 6 Jan to Thu 7 Jan.
        (BEFORE_CHRISTMAS, date(2026, 12, 24), date(2027, 1, 6), date(2027, 1, 7)),
    ],
)  # fmt: skip
def test_a_closure_inside_the_window_moves_an_open_assessment_and_back(
    open_assessment, admin, clock, audit_events, reviewed_at, closed, due, moved_to
):
    assessment = open_assessment(reviewed_at)
    assert assessment.due_on == due
    closure = add_closure(admin, clock.now, closed, "Office move")
    db.session.commit()
    assert _due(assessment) == moved_to
    [added] = audit_events(MOVED, "impact_assessment", assessment.id)
    assert added.before == {"due_on": due.isoformat()}
    assert added.after == {"due_on": moved_to.isoformat(), "closure_added": closed.isoformat()}
    moved = db.session.get(ImpactAssessment, assessment.id)
    assert moved_dates(moved).closure(moved, "due_on") == closed
    # The page's "How this date was worked out" counts the same date with the closure in it.
    assert services.due_date(reviewed_at).due == moved_to

    remove_closure(admin, clock.now, closure)
    db.session.commit()
    assert _due(assessment) == due
    _, removed = audit_events(MOVED, "impact_assessment", assessment.id)
    assert removed.after == {"due_on": due.isoformat(), "closure_removed": closed.isoformat()}
    back = db.session.get(ImpactAssessment, assessment.id)
    assert moved_dates(back).closure(back, "due_on") is None


@pytest.mark.policy("4.7")
@pytest.mark.parametrize(
    "closed",
    [
        date(2027, 1, 7),  # the working day after the due date
        date(2026, 12, 18),  # day 0, the review's own day
    ],
)
def test_a_closure_outside_the_window_changes_nothing(
    open_assessment, admin, clock, audit_events, closed
):
    assessment = open_assessment(BEFORE_CHRISTMAS)
    add_closure(admin, clock.now, closed, "Office move")
    db.session.commit()
    assert _due(assessment) == date(2027, 1, 6)
    assert audit_events(MOVED, "impact_assessment", assessment.id) == []


@pytest.mark.policy("4.7")
def test_a_completed_assessment_keeps_its_due_date(
    open_assessment, admin, panel_member, clock, audit_events
):
    assessment = open_assessment(BEFORE_CHRISTMAS)
    considered = "Her sight; letters in large print."
    services.complete(panel_member, clock.now, assessment, "no_impact", considered, "", 1)
    db.session.commit()
    add_closure(admin, clock.now, date(2026, 12, 24), "Office move")
    db.session.commit()
    done = db.session.get(ImpactAssessment, assessment.id)
    assert done.status == AssessmentStatus.COMPLETED
    assert _due(assessment) == date(2027, 1, 6)
    assert audit_events(MOVED, "impact_assessment", assessment.id) == []
