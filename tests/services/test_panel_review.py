"""The Panel's review: context (§7.2), vulnerability and support (§4.5, §8.14), equality impact
(§4.7), the outcome, and who may review (§8.4).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import Role
from portal.customers.models import CustomerType
from portal.errors import NotAllowed, ServiceError
from portal.incidents.models import IncidentStatus
from portal.panel.models import CONTEXT_CONSIDERATIONS, Outcome
from portal.panel.services import record_review
from tests.factories import review_input


@pytest.fixture
def later(clock):
    return clock.now + timedelta(days=1)


@pytest.fixture
def tenant(make_customer):
    return make_customer(customer_type=CustomerType.TENANT)


@pytest.fixture
def vulnerable_tenant(make_customer):
    return make_customer(vulnerability_notes="Diagnosed with PTSD; finds phone calls distressing.")


@pytest.fixture
def incident(make_incident, tenant):
    return make_incident(tenant)


def refused(actor, now, incident, **overrides) -> dict[str, str]:
    with pytest.raises(ServiceError) as caught:
        record_review(actor, now, incident, review_input(**overrides))
    assert incident.status == IncidentStatus.AWAITING_REVIEW
    return caught.value.errors


# --- Context (§7.2) ------------------------------------------------------------------------


@pytest.mark.policy("7.2")
def test_the_five_points_of_context_of_7_2_are_listed():
    assert list(CONTEXT_CONSIDERATIONS) == [
        "angry_not_unreasonable",
        "legitimate_queries",
        "out_of_character",
        "proportionate_distress",
        "health_or_language",
    ]


@pytest.mark.policy("7.2")
def test_a_review_with_every_point_of_context_confirmed_is_recorded(panel_member, incident, later):
    review = record_review(
        panel_member,
        later,
        incident,
        review_input(context_considered=list(reversed(CONTEXT_CONSIDERATIONS))),
    )

    assert review.context_considered == sorted(CONTEXT_CONSIDERATIONS)
    assert review.reviewer_id == panel_member.id
    assert review.reviewed_at == later
    assert review.outcome == Outcome.WARNING
    assert incident.status == IncidentStatus.REVIEWED


@pytest.mark.policy("7.2")
@pytest.mark.parametrize("left_out", list(CONTEXT_CONSIDERATIONS))
def test_every_point_of_context_must_be_confirmed(panel_member, incident, later, left_out):
    considered = [key for key in CONTEXT_CONSIDERATIONS if key != left_out]

    errors = refused(panel_member, later, incident, context_considered=considered)

    assert errors == {"context_considered": "Confirm you have weighed each point of context (§7.2)"}


@pytest.mark.policy("7.2")
def test_a_point_of_context_not_in_the_list_is_refused(panel_member, incident, later):
    errors = refused(
        panel_member,
        later,
        incident,
        context_considered=[*CONTEXT_CONSIDERATIONS, "customer_was_rude"],
    )

    assert errors == {"context_considered": "Select considerations from the list"}


@pytest.mark.policy("7.2")
def test_the_panel_says_how_the_context_affected_its_view(panel_member, incident, later):
    errors = refused(panel_member, later, incident, context_notes="  ", reasons="")

    assert set(errors) == {"context_notes", "reasons"}


# --- Vulnerability and support (§4.5, §8.14) -----------------------------------------------


@pytest.mark.policy("4.5", "8.14")
def test_a_vulnerable_customers_needs_must_be_considered(
    make_incident, panel_member, vulnerable_tenant, later
):
    incident = make_incident(vulnerable_tenant)

    errors = refused(panel_member, later, incident)

    assert list(errors) == ["vulnerability_considered"]
    assert "(§8.14)" in errors["vulnerability_considered"]


@pytest.mark.policy("4.5", "8.14")
def test_recorded_support_needs_count_as_a_vulnerability(
    make_customer, make_incident, panel_member, later
):
    customer = make_customer(support_needs="Needs an Urdu interpreter.")

    errors = refused(panel_member, later, make_incident(customer))

    assert "vulnerability_considered" in errors


@pytest.mark.policy("4.5", "8.14")
def test_considering_vulnerability_needs_notes(
    make_incident, panel_member, vulnerable_tenant, later
):
    incident = make_incident(vulnerable_tenant)

    errors = refused(
        panel_member, later, incident, vulnerability_considered=True, vulnerability_notes=" "
    )

    assert errors == {"vulnerability_notes": "Say how the vulnerabilities were taken into account"}


@pytest.mark.policy("4.5", "8.14")
def test_a_vulnerable_customers_review_records_how_needs_were_weighed(
    make_incident, panel_member, vulnerable_tenant, later
):
    incident = make_incident(vulnerable_tenant)

    review = record_review(
        panel_member,
        later,
        incident,
        review_input(
            vulnerability_considered=True,
            vulnerability_notes="Letter only, sent to the support worker as well.",
        ),
    )

    assert review.vulnerability_considered is True
    assert review.vulnerability_notes == "Letter only, sent to the support worker as well."


@pytest.mark.policy("4.5")
def test_a_customer_with_no_recorded_vulnerability_needs_no_confirmation(
    panel_member, incident, later
):
    review = record_review(panel_member, later, incident, review_input())

    assert review.vulnerability_considered is False


@pytest.mark.policy("8.14")
def test_a_referral_to_support_services_names_the_service(panel_member, incident, later):
    errors = refused(panel_member, later, incident, support_referral=True)

    assert errors == {"support_referral_to": "Name the support service the customer is referred to"}


@pytest.mark.policy("8.14")
def test_a_referral_to_support_services_is_recorded(panel_member, incident, later):
    review = record_review(
        panel_member,
        later,
        incident,
        review_input(support_referral=True, support_referral_to=" Manchester Mind "),
    )

    assert review.support_referral is True
    assert review.support_referral_to == "Manchester Mind"


def test_a_service_named_without_a_referral_is_not_kept(panel_member, incident, later):
    review = record_review(
        panel_member, later, incident, review_input(support_referral_to="Manchester Mind")
    )

    assert review.support_referral_to == ""


# --- Equality Impact Assessment (§4.7) -----------------------------------------------------


@pytest.mark.policy("4.7")
def test_an_equality_impact_assessment_needs_who_and_when(panel_member, incident, later):
    errors = refused(panel_member, later, incident, eia_needed=True)

    assert errors == {
        "eia_notes": "Say who will complete the Equality Impact Assessment, and by when"
    }


@pytest.mark.policy("4.7")
def test_an_equality_impact_assessment_is_flagged_at_review(
    panel_member, incident, later, audit_events
):
    review = record_review(
        panel_member,
        later,
        incident,
        review_input(eia_needed=True, eia_notes="Equality lead, by 4 December 2026."),
    )

    assert review.eia_needed is True
    assert review.eia_notes == "Equality lead, by 4 December 2026."
    [event] = audit_events("incident.reviewed")
    assert event.after["eia_needed"] is True


# --- Outcomes and who may review (§8.4) ----------------------------------------------------


@pytest.mark.policy("8.4")
def test_a_tenant_can_be_referred_for_asb_remedies(panel_member, incident, later):
    review = record_review(
        panel_member, later, incident, review_input(outcome=Outcome.ASB_REFERRAL)
    )

    assert review.outcome == Outcome.ASB_REFERRAL


@pytest.mark.policy("8.4", "8.6")
def test_asb_remedies_are_refused_for_someone_who_is_not_a_tenant(
    make_customer, make_incident, panel_member, later
):
    leaseholder = make_customer(customer_type=CustomerType.LEASEHOLDER)
    incident = make_incident(leaseholder)

    errors = refused(panel_member, later, incident, outcome=Outcome.ASB_REFERRAL)

    assert list(errors) == ["outcome"]


@pytest.mark.policy("8.6")
@pytest.mark.parametrize(
    "outcome", [Outcome.NO_ACTION, Outcome.INFORMAL, Outcome.WARNING, Outcome.RESTRICTION_REQUEST]
)
def test_the_panel_considers_other_action_for_other_customers(
    make_customer, make_incident, panel_member, later, outcome
):
    incident = make_incident(make_customer(customer_type=CustomerType.APPLICANT))

    assert record_review(panel_member, later, incident, review_input(outcome=outcome)).outcome == (
        outcome
    )


@pytest.mark.policy("8.4")
def test_the_community_safety_manager_reviews_tenant_referrals(make_staff, incident, later):
    csm = make_staff(Role.CSM)

    review = record_review(csm, later, incident, review_input(outcome=Outcome.ASB_REFERRAL))

    assert review.reviewer_id == csm.id


@pytest.mark.policy("8.4", "8.6")
def test_the_community_safety_manager_may_not_review_other_referrals(
    make_staff, make_customer, make_incident, later
):
    csm = make_staff(Role.CSM)
    incident = make_incident(make_customer(customer_type=CustomerType.FORMER_TENANT))

    with pytest.raises(NotAllowed):
        record_review(csm, later, incident, review_input(outcome=Outcome.NO_ACTION))


@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT, Role.ADMIN])
def test_only_the_panel_reviews(make_staff, incident, later, role):
    with pytest.raises(NotAllowed):
        record_review(make_staff(role), later, incident, review_input())

    assert incident.status == IncidentStatus.AWAITING_REVIEW


def test_an_incident_is_reviewed_once(panel_member, incident, later):
    record_review(panel_member, later, incident, review_input(outcome=Outcome.NO_ACTION))

    with pytest.raises(ServiceError) as caught:
        record_review(panel_member, later, incident, review_input())

    assert "already been reviewed" in str(caught.value)


def test_the_review_is_audited(panel_member, incident, later, audit_events):
    record_review(panel_member, later, incident, review_input(outcome=Outcome.INFORMAL))

    [event] = audit_events("incident.reviewed")
    assert event.entity_id == incident.id
    assert event.actor_id == panel_member.id
    assert event.before == {"status": "awaiting_review"}
    assert event.after["status"] == "reviewed"
    assert event.after["outcome"] == "informal_arrangement"
    assert event.after["late"] is False
