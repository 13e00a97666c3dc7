"""Equality Impact Assessments under real concurrent requests (§4.7): two people recording
the outcome of one assessment at once, or one form sent twice at once, record one outcome;
the other is told it was recorded. Giving it to someone and completing it from the same page
at once: one wins, the other is told the assessment changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.impact.models import AssessmentStatus, ImpactAssessment
from portal.panel.models import Outcome
from tests.concurrency.conftest import N, committed, one_winner, prepared, race

pytestmark = pytest.mark.concurrency

DONE = {
    "outcome": "no_impact",
    "considered": "Her anxiety; the action does not add to it.",
    "adjustments": "",
    "version": "1",
}


@pytest.fixture
def assessment(app, clock, make_customer, make_incident, review_incident):
    incident = make_incident(make_customer(), now=clock.now - timedelta(hours=2))
    review_incident(
        incident,
        clock.now - timedelta(hours=1),
        outcome=Outcome.NO_ACTION,
        letter_summary="",
        eia_needed=True,
        eia_notes="The equality lead.",
    )
    db.session.commit()
    return db.session.scalar(
        select(ImpactAssessment).where(ImpactAssessment.incident_id == incident.id)
    )


def _completions(assessment) -> int:
    return committed(
        AuditEvent,
        AuditEvent.action == "impact_assessment.completed",
        AuditEvent.entity_id == assessment.id,
    )


@pytest.mark.policy("4.7")
def test_people_recording_one_outcome_at_once_record_one(live, signed_in, make_staff, assessment):
    path = f"/staff/impact-assessments/{assessment.id}"
    sends = [
        prepared(
            signed_in(make_staff(Role.PANEL if n % 2 else Role.CEM, name=f"Person {n}")),
            f"{path}/outcome",
            {**DONE, "considered": f"Considered by person {n}."},
            token_from=path,
        )
        for n in range(N)
    ]

    _winner, losers = one_winner(race(sends))

    assert all("already been recorded" in a.text for a in losers)
    assert _completions(assessment) == 1
    done = db.session.get(ImpactAssessment, assessment.id)
    assert done.status == AssessmentStatus.COMPLETED and done.version == 2


@pytest.mark.policy("4.7")
def test_one_form_sent_twice_at_once_records_one_outcome(live, signed_in, make_staff, assessment):
    browser = signed_in(make_staff(Role.PANEL, name="Double Clicker"))
    path = f"/staff/impact-assessments/{assessment.id}"
    send = prepared(browser, f"{path}/outcome", DONE, token_from=path)

    _winner, [loser] = one_winner(race([send, send]))

    assert "already been recorded" in loser.text
    assert _completions(assessment) == 1


@pytest.mark.policy("4.7")
def test_giving_it_away_and_completing_it_from_one_page_at_once_one_wins(
    live, signed_in, make_staff, assessment
):
    panel = signed_in(make_staff(Role.PANEL, name="Pat Panel"))
    cem_member = make_staff(Role.CEM, name="Cem Experience")
    cem = signed_in(cem_member)
    path = f"/staff/impact-assessments/{assessment.id}"
    assign = {"assign-assigned_to": str(cem_member.id), "assign-version": "1"}
    token = panel.token(path)
    sends = [
        lambda: panel.request("POST", f"{path}/assign", {"assign-csrf_token": token, **assign}),
        prepared(cem, f"{path}/outcome", DONE, token_from=path),
    ]

    winner, [loser] = one_winner(race(sends))

    db.session.rollback()
    db.session.expire_all()
    after = db.session.get(ImpactAssessment, assessment.id)
    assert after.version == 2
    assert winner.location.endswith(path)
    if after.assigned_to_id == cem_member.id:
        assert after.is_open and "Someone changed this assessment" in loser.text
    else:
        assert not after.is_open and after.assigned_to_id is None
        assert "already been recorded" in loser.text
