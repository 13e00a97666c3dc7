"""The colleague and line manager decide on police and legal action (§8.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import Role
from portal.errors import NotAllowed, ServiceError
from portal.incidents.catalogue import ManagerDecision
from portal.incidents.services import record_manager_decision

POLICE, LEGAL, END_CONTACT, NONE = (
    ManagerDecision.POLICE,
    ManagerDecision.LEGAL,
    ManagerDecision.END_CONTACT,
    ManagerDecision.NONE,
)


@pytest.fixture
def incident(make_customer, make_incident):
    return make_incident(make_customer(), example_types=["threats"])


@pytest.fixture
def manager(colleague):
    return colleague.line_manager


@pytest.fixture
def later(clock):
    return clock.now + timedelta(minutes=30)


@pytest.mark.policy("8.3")
def test_the_named_manager_records_police_and_legal_action(session, incident, manager, later):
    record_manager_decision(
        manager, later, incident, [POLICE, LEGAL], "  Reported to police; injunction sought.  "
    )

    assert incident.manager_decided is True
    assert incident.manager_decisions == ["report_to_police", "legal_action"]
    assert incident.manager_notes == "Reported to police; injunction sought."
    assert incident.manager_decided_at == later
    assert incident.manager_decided_by_id == manager.id


@pytest.mark.policy("8.3")
def test_ending_all_contact_for_a_period_can_be_decided(incident, manager, later):
    record_manager_decision(manager, later, incident, [END_CONTACT], "No contact for 3 months.")

    assert incident.manager_decisions == ["end_contact_for_period"]


@pytest.mark.policy("8.3")
def test_no_further_action_needs_no_notes(incident, manager, later):
    record_manager_decision(manager, later, incident, [NONE], "")

    assert incident.manager_decisions == ["no_further_immediate_action"]


@pytest.mark.policy("8.3")
@pytest.mark.parametrize("who", ["reporter", "another line manager", "panel member"])
def test_only_the_manager_the_report_went_to_may_decide(
    make_staff, incident, colleague, panel_member, later, who
):
    actor = {
        "reporter": colleague,
        "another line manager": make_staff(Role.LINE_MANAGER),
        "panel member": panel_member,
    }[who]

    with pytest.raises(NotAllowed):
        record_manager_decision(actor, later, incident, [POLICE], "Reported.")

    assert incident.manager_decided is False


@pytest.mark.policy("8.3")
def test_the_decision_cannot_be_recorded_twice(incident, manager, later):
    record_manager_decision(manager, later, incident, [POLICE], "Reported.")

    with pytest.raises(ServiceError) as caught:
        record_manager_decision(manager, later, incident, [NONE], "")

    assert "already been recorded" in str(caught.value)
    assert incident.manager_decisions == ["report_to_police"]


@pytest.mark.policy("8.3")
def test_no_further_action_cannot_be_combined_with_an_action(incident, manager, later):
    with pytest.raises(ServiceError) as caught:
        record_manager_decision(manager, later, incident, [NONE, POLICE], "Both?")

    assert caught.value.codes == {"decisions": "incident.decision_none_with_other"}
    assert incident.manager_decided is False


@pytest.mark.policy("8.3")
@pytest.mark.parametrize("notes", ["", "   "])
def test_an_action_needs_notes(incident, manager, later, notes):
    with pytest.raises(ServiceError) as caught:
        record_manager_decision(manager, later, incident, [LEGAL], notes)

    assert caught.value.codes == {"notes": "incident.decision_notes_missing"}


@pytest.mark.policy("8.3")
def test_a_decision_must_be_chosen(incident, manager, later):
    with pytest.raises(ServiceError) as caught:
        record_manager_decision(manager, later, incident, [], "Thinking about it.")

    assert "decisions" in caught.value.errors


def test_a_repeated_choice_is_recorded_once(incident, manager, later):
    record_manager_decision(manager, later, incident, [POLICE, POLICE], "Reported.")

    assert incident.manager_decisions == ["report_to_police"]


def test_the_decision_is_audited(incident, manager, later, audit_events):
    record_manager_decision(manager, later, incident, [POLICE], "Reported.")

    [event] = audit_events("incident.manager_decision")
    assert event.entity_id == incident.id
    assert event.actor_id == manager.id
    assert event.at == later
    assert event.before == {"manager_decisions": []}
    assert event.after == {"manager_decisions": ["report_to_police"], "notes": "Reported."}
