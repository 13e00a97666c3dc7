"""Each guarded step sent twice (the form sent again, or a second tab): the second is a
Conflict that says what happened, by whom and when, and creates nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealOutcome, AppealStatus
from portal.auth.models import Role
from portal.conduct_warnings.services import issue_warning
from portal.errors import Conflict
from portal.incidents.models import Incident, IncidentStatus
from portal.letters.models import Letter
from portal.panel.services import record_review
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, RequestStatus, RestrictionRequest
from portal.timeutil import london_date
from portal.transitions import move
from tests.factories import review_input
from tests.restriction_factories import spec


def _letters() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


def twice(call, *args, **kwargs) -> Conflict:
    """Call the step, commit, call it again: the Conflict the second raises."""
    call(*args, **kwargs)
    db.session.commit()
    letters = _letters()
    with pytest.raises(Conflict) as second:
        call(*args, **kwargs)
    db.session.rollback()
    assert _letters() == letters, "the second attempt made a letter"
    return second.value


@pytest.fixture
def pending(make_customer, final_warning_for, make_request, organisation_ready):
    customer = make_customer()
    final_warning_for(customer)
    return make_request(customer)


@pytest.mark.policy("8.19")
@pytest.mark.parametrize("outcome", [RequestStatus.APPROVED, RequestStatus.REJECTED])
def test_glt_decides_once(pending, glt_member, clock, outcome):
    specs = [spec(london_date(clock.now))] if outcome == RequestStatus.APPROVED else []
    conflict = twice(restrictions.decide, glt_member, clock.now, pending, outcome, "Clear.", specs)
    assert (conflict.by, conflict.at, conflict.what) == (glt_member.name, clock.now, outcome.title)


@pytest.mark.policy("8.19")
def test_glt_asks_the_panel_once(pending, glt_member, clock):
    conflict = twice(restrictions.ask_for_more, glt_member, clock.now, pending, "Who else?")
    assert "already asked" in str(conflict) and conflict.by == glt_member.name


@pytest.mark.policy("8.20")
def test_the_decision_letter_is_issued_once(pending, approve_request, panel_member, clock):
    made = approve_request(pending)
    conflict = twice(
        restrictions.issue_decision_letter, panel_member, clock.now, made, Delivery.HAND
    )
    assert conflict.by == panel_member.name and "already been sent" in str(conflict)


@pytest.mark.policy("7.2")
def test_the_panel_reviews_once(make_customer, make_incident, panel_member, clock):
    incident = make_incident(make_customer())
    conflict = twice(record_review, panel_member, clock.now, incident, review_input())
    assert conflict.by == panel_member.name and conflict.at == clock.now


@pytest.mark.policy("8.7")
def test_a_warning_is_issued_once(
    make_customer, make_incident, review_incident, panel_member, clock
):
    incident = make_incident(make_customer())
    review_incident(incident, clock.now)
    conflict = twice(issue_warning, panel_member, clock.now, incident, Delivery.HAND)
    assert conflict.by == panel_member.name


@pytest.fixture
def lodged(restriction_in_force, clock):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    appeal = appeals.start_draft(clock.now, restriction)
    appeals.save_answers(clock.now, appeal, appeals.Answers(grounds="It was unfair."))
    appeals.lodge(restriction.customer, clock.now, appeal, "first-tab")
    db.session.commit()
    return appeal


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cem Experience")


@pytest.mark.policy("9.1")
def test_an_appeal_is_sent_once_from_two_tabs(lodged, clock):
    # The same form again is the first result; another tab's form is a conflict.
    assert appeals.lodge(lodged.customer, clock.now, lodged, "first-tab") is lodged
    with pytest.raises(Conflict) as second:
        appeals.lodge(lodged.customer, clock.now, lodged, "second-tab")
    assert "already been sent" in str(second.value)


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.3")
@pytest.mark.policy("9.4")
def test_each_appeal_step_is_taken_once(lodged, cem, glt_member, make_staff, clock):
    conflict = twice(appeals.acknowledge, cem, clock.now, lodged)
    assert "already been acknowledged" in str(conflict) and conflict.by == cem.name
    assert twice(appeals.refer_to_glt, cem, clock.now, lodged).by == cem.name
    glt = make_staff(Role.GLT, name="Una Involved")
    conflict = twice(appeals.glt_decide, glt, clock.now, lodged, AppealOutcome.UPHELD, "Fair.")
    assert "already decided" in str(conflict) and conflict.by == glt.name
    assert twice(appeals.send_outcome, cem, clock.now, lodged).by == cem.name
    assert db.session.get(Appeal, lodged.id).status == AppealStatus.CLOSED


@pytest.mark.policy("9.2")
@pytest.mark.parametrize("accept", [True, False])
def test_a_late_appeal_is_decided_once(restriction_in_force, cem, clock, accept):
    restriction = restriction_in_force()
    clock.now = datetime(2027, 4, 28, 10, tzinfo=UTC)
    appeal = appeals.start_draft(clock.now, restriction)
    appeals.save_answers(
        clock.now, appeal, appeals.Answers(grounds="Unfair.", late_reason="In hospital.")
    )
    appeals.lodge(restriction.customer, clock.now, appeal, "k")
    db.session.commit()
    conflict = twice(appeals.decide_late, cem, clock.now, appeal, accept, "Reason.")
    assert conflict.by == cem.name and "accepted" in conflict.what


def test_a_move_not_in_the_table_is_refused(make_customer, make_incident):
    incident = make_incident(make_customer())
    with pytest.raises(ValueError):
        move(incident, IncidentStatus.AWAITING_REVIEW)  # nothing moves back to awaiting review
    assert Incident.TRANSITIONS.allowed(IncidentStatus.AWAITING_REVIEW, IncidentStatus.REVIEWED)
    assert not RestrictionRequest.TRANSITIONS.allowed(
        RequestStatus.REJECTED, RequestStatus.APPROVED
    )
