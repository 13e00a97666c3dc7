"""The Panel marks an incident serious, or not, under §8.1; ending all contact follows (§8.19)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import Role
from portal.errors import NotAllowed, ServiceError
from portal.incidents.catalogue import ManagerDecision
from portal.incidents.services import mark_seriousness, record_manager_decision
from portal.restrictions.services import serious_incidents


@pytest.fixture
def later(clock):
    return clock.now + timedelta(minutes=30)


@pytest.fixture
def insult(make_customer, make_incident):
    """Personal verbal abuse: named in §8.1, but not serious until the Panel says so."""
    return make_incident(make_customer(), example_types=["verbal_abuse"])


@pytest.mark.policy("8.16")
@pytest.mark.policy("8.19")
def test_the_line_manager_cannot_end_all_contact_after_an_incident_that_is_not_serious(
    insult, colleague, later
):
    assert insult.serious is False
    with pytest.raises(ServiceError) as caught:
        record_manager_decision(
            colleague.line_manager, later, insult, [ManagerDecision.END_CONTACT], "3 months."
        )

    assert caught.value.codes == {"decisions": "incident.end_contact_not_serious"}
    assert insult.manager_decided is False


@pytest.mark.policy("8.1")
def test_the_panel_marks_an_incident_serious_with_a_reason_and_it_is_audited(
    insult, panel_member, later, audit_events
):
    mark_seriousness(panel_member, later, insult, True, "  Abuse repeated over three calls.  ")

    assert insult.serious is True
    assert insult.serious_reason == "Abuse repeated over three calls."
    assert (insult.serious_marked_at, insult.serious_marked_by_id) == (later, panel_member.id)
    [event] = audit_events("incident.seriousness_marked")
    assert event.actor_id == panel_member.id and event.entity_id == insult.id
    assert event.before == {"serious": False, "reason": ""}
    assert event.after == {"serious": True, "reason": "Abuse repeated over three calls."}


@pytest.mark.policy("8.1")
@pytest.mark.policy("8.19")
def test_once_the_panel_marks_it_serious_ending_all_contact_is_open(
    insult, panel_member, colleague, later
):
    assert insult not in serious_incidents(insult.customer_id)
    mark_seriousness(panel_member, later, insult, True, "Abuse repeated over three calls.")

    record_manager_decision(
        colleague.line_manager, later, insult, [ManagerDecision.END_CONTACT], "3 months."
    )
    assert insult.manager_decisions == ["end_contact_for_period"]
    assert insult in serious_incidents(insult.customer_id), "a request may now rely on it"


@pytest.mark.policy("8.1")
def test_the_panel_can_judge_a_serious_report_not_serious(
    make_customer, make_incident, panel_member, later
):
    incident = make_incident(make_customer(), example_types=["threats"])
    assert incident.serious is True

    mark_seriousness(panel_member, later, incident, False, "A figure of speech, not a threat.")

    assert incident.serious is False
    assert incident not in serious_incidents(incident.customer_id)


@pytest.mark.policy("8.1")
@pytest.mark.parametrize("reason", ["", "   "])
def test_the_panels_judgement_needs_a_reason(insult, panel_member, later, reason):
    with pytest.raises(ServiceError) as caught:
        mark_seriousness(panel_member, later, insult, True, reason)

    assert caught.value.codes == {"serious_reason": "incident.serious_reason_missing"}
    assert insult.serious is False and insult.serious_marked_at is None


@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT, Role.CEM])
def test_only_the_panel_judges_whether_an_incident_is_serious(insult, make_staff, later, role):
    with pytest.raises(NotAllowed):
        mark_seriousness(make_staff(role), later, insult, True, "Serious.")

    assert insult.serious is False
