"""Reporting an incident (Appendix A): categories, examples, serious incidents, police, routing,
and telling the line manager at once (§3.1, §5.2–5.5, §6.7, §8.1, §8.2, §8.4, §8.6).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.customers.models import CustomerType
from portal.errors import ServiceError
from portal.incidents.catalogue import (
    EXAMPLES,
    Category,
    Channel,
    ProtectedCharacteristic,
)
from portal.incidents.models import IncidentStatus, Route
from portal.incidents.services import IncidentInput, report_incident, route_for
from portal.notifications.models import Notification


def incident_input(customer, now, **overrides) -> IncidentInput:
    fields = {
        "customer_id": customer.id,
        "occurred_at": now - timedelta(hours=1),
        "channel": Channel.OFFICE,
        "categories": [Category.AGGRESSIVE],
        "example_types": ["verbal_abuse"],
        "description": "Shouted and swore at the officer at the front desk.",
    }
    fields.update(overrides)
    return IncidentInput(**fields)


def refused(colleague, now, data) -> dict[str, str]:
    with pytest.raises(ServiceError) as caught:
        report_incident(colleague, now, data)
    return caught.value.errors


@pytest.fixture
def tenant(make_customer):
    return make_customer(customer_type=CustomerType.TENANT)


# --- What happened: categories and examples (§5.2–5.4, §6.7) -------------------------------


@pytest.mark.policy("5.2")
@pytest.mark.parametrize(
    ("category", "example"),
    [
        (Category.AGGRESSIVE, "threats"),
        (Category.CONDUCT, "other_conduct"),
        (Category.PERSISTENCE, "no_new_information"),
        (Category.DEMANDS, "unreasonable_timescale"),
        (Category.CONTACT, "excessive_calls"),
        (Category.REFUSAL, "does_not_engage"),
    ],
)
def test_each_behaviour_category_of_5_2_can_be_reported(make_incident, tenant, category, example):
    incident = make_incident(tenant, categories=[category], example_types=[example])

    assert incident.categories == [category]
    assert incident.example_types == [example]


@pytest.mark.policy("5.2")
def test_the_six_categories_are_exactly_those_of_5_2():
    assert [c.title for c in Category] == [
        "Aggressive or abusive behaviour",
        "Unreasonable conduct",
        "Unreasonable persistence",
        "Unreasonable demands",
        "Unreasonable levels of contact",
        "Unreasonable refusal to co-operate",
    ]


@pytest.mark.policy("5.2")
def test_several_categories_can_be_reported_together(make_incident, tenant):
    incident = make_incident(
        tenant,
        categories=[Category.CONTACT, Category.AGGRESSIVE, Category.CONTACT],
        example_types=["excessive_calls", "rudeness"],
    )

    assert incident.categories == [Category.CONTACT, Category.AGGRESSIVE]
    assert incident.example_types == ["excessive_calls", "rudeness"]


@pytest.mark.policy("5.2")
def test_a_report_needs_a_category_and_a_description(colleague, tenant, clock):
    errors = refused(
        colleague,
        clock.now,
        incident_input(tenant, clock.now, categories=[], example_types=[], description="  "),
    )

    assert errors["categories"] == "Select at least one type of behaviour"
    assert errors["description"] == "Describe what happened"


@pytest.mark.policy("5.3")
def test_aggressive_or_abusive_behaviour_is_its_own_category(make_incident, tenant):
    incident = make_incident(
        tenant, categories=[Category.AGGRESSIVE], example_types=["verbal_abuse"]
    )

    assert incident.categories == [Category.AGGRESSIVE]
    assert Category.AGGRESSIVE.title == "Aggressive or abusive behaviour"


@pytest.mark.policy("5.4")
def test_every_example_of_5_4_belongs_to_aggressive_or_abusive_behaviour():
    assert set(EXAMPLES[Category.AGGRESSIVE]) >= {
        "threats",
        "physical_violence",
        "verbal_abuse",
        "written_abuse",
        "derogatory_remarks",
        "rudeness",
        "inflammatory",
        "social_media_personal",
        "harassment",
        "false_allegations",
    }


@pytest.mark.policy("5.4")
def test_several_examples_of_abuse_are_recorded(make_incident, tenant):
    incident = make_incident(
        tenant, example_types=["written_abuse", "harassment", "false_allegations"]
    )

    assert incident.example_types == ["false_allegations", "harassment", "written_abuse"]


@pytest.mark.policy("5.4", "6.7")
def test_an_example_must_belong_to_a_category_that_was_chosen(colleague, tenant, clock):
    errors = refused(
        colleague,
        clock.now,
        incident_input(
            tenant, clock.now, categories=[Category.AGGRESSIVE], example_types=["access_essential"]
        ),
    )

    assert errors == {
        "example_types": "Each example must belong to a type of behaviour you selected"
    }


@pytest.mark.policy("5.4")
def test_an_example_not_in_the_list_is_refused(colleague, tenant, clock):
    errors = refused(
        colleague, clock.now, incident_input(tenant, clock.now, example_types=["sarcasm"])
    )

    assert errors == {"example_types": "Select examples from the list"}


@pytest.mark.policy("6.7")
@pytest.mark.parametrize(
    "example",
    ["access_essential", "access_non_essential", "refuses_designated_colleague", "does_not_engage"],
)
def test_unreasonable_refusal_to_co_operate_is_its_own_category(make_incident, tenant, example):
    incident = make_incident(tenant, categories=[Category.REFUSAL], example_types=[example])

    assert incident.categories == [Category.REFUSAL]
    assert incident.example_types == [example]
    assert incident.serious is False


# --- Serious incidents, protected characteristics and the police (§5.5, §8.1) ------------


@pytest.mark.policy("8.1", "5.5")
@pytest.mark.parametrize("example", ["threats", "physical_violence"])
def test_threats_and_violence_are_flagged_serious(make_incident, tenant, example):
    assert make_incident(tenant, example_types=[example]).serious is True


@pytest.mark.policy("8.1")
@pytest.mark.parametrize("example", ["verbal_abuse", "rudeness", "derogatory_remarks"])
def test_other_abuse_is_not_flagged_serious(make_incident, tenant, example):
    assert make_incident(tenant, example_types=[example]).serious is False


@pytest.mark.policy("8.1")
def test_an_injury_makes_the_incident_serious_and_needs_details(
    make_incident, colleague, tenant, clock
):
    errors = refused(colleague, clock.now, incident_input(tenant, clock.now, injury=True))
    assert errors == {"injury_details": "Describe the injury"}

    incident = make_incident(tenant, injury=True, injury_details="Bruised arm from a shove.")
    assert incident.serious is True
    assert incident.injury_details == "Bruised arm from a shove."


@pytest.mark.policy("8.1")
def test_the_immediate_action_taken_is_recorded(make_incident, tenant):
    incident = make_incident(
        tenant,
        example_types=["threats"],
        immediate_action="  Ended the visit and left the property.  ",
        witnesses="Sam Surveyor",
    )

    assert incident.immediate_action == "Ended the visit and left the property."
    assert incident.witnesses == "Sam Surveyor"


@pytest.mark.policy("5.5", "8.1")
def test_discriminatory_comments_need_the_protected_characteristic(colleague, tenant, clock):
    errors = refused(
        colleague,
        clock.now,
        incident_input(tenant, clock.now, example_types=["discriminatory_comments"]),
    )

    assert errors == {
        "protected_characteristics": "Select the protected characteristic the comments were about"
    }


@pytest.mark.policy("5.5", "8.1")
def test_discriminatory_comments_are_serious_and_record_the_characteristics(make_incident, tenant):
    incident = make_incident(
        tenant,
        example_types=["discriminatory_comments"],
        protected_characteristics=[
            ProtectedCharacteristic.RELIGION,
            ProtectedCharacteristic.RACE,
            ProtectedCharacteristic.RACE,
        ],
    )

    assert incident.serious is True
    assert incident.protected_characteristics == ["race", "religion_or_belief"]


@pytest.mark.policy("5.5")
def test_the_nine_protected_characteristics_of_5_5():
    assert {p.value for p in ProtectedCharacteristic} == {
        "age",
        "sex",
        "marital_status",
        "disability",
        "gender_reassignment",
        "sexual_orientation",
        "religion_or_belief",
        "pregnancy",
        "race",
    }


@pytest.mark.policy("5.5")
def test_police_told_needs_when(colleague, tenant, clock):
    errors = refused(colleague, clock.now, incident_input(tenant, clock.now, police_informed=True))

    assert errors == {"police_informed_on": "Enter when the police were told"}


@pytest.mark.policy("5.5")
def test_police_cannot_have_been_told_before_the_incident(colleague, tenant, clock):
    occurred = clock.now - timedelta(hours=2)
    errors = refused(
        colleague,
        clock.now,
        incident_input(
            tenant,
            clock.now,
            occurred_at=occurred,
            police_informed=True,
            police_informed_at=occurred - timedelta(minutes=1),
        ),
    )

    assert errors == {"police_informed_on": "The police cannot have been told before the incident"}


@pytest.mark.policy("5.5")
def test_police_cannot_have_been_told_in_the_future(colleague, tenant, clock):
    errors = refused(
        colleague,
        clock.now,
        incident_input(
            tenant,
            clock.now,
            police_informed=True,
            police_informed_at=clock.now + timedelta(minutes=1),
        ),
    )

    assert errors == {"police_informed_on": "The date the police were told must be in the past"}


@pytest.mark.policy("5.5")
@pytest.mark.parametrize("told", ["at the incident", "just now"])
def test_police_told_at_the_incident_or_just_now_is_accepted(make_incident, tenant, clock, told):
    occurred = clock.now - timedelta(hours=2)
    told_at = occurred if told == "at the incident" else clock.now

    incident = make_incident(
        tenant,
        occurred_at=occurred,
        example_types=["threats"],
        police_informed=True,
        police_informed_at=told_at,
        crime_reference=" CRI/2026/00123 ",
    )

    assert incident.police_informed is True
    assert incident.police_informed_at == told_at
    assert incident.crime_reference == "CRI/2026/00123"


@pytest.mark.policy("5.5")
def test_police_details_are_dropped_when_the_police_were_not_told(make_incident, tenant, clock):
    incident = make_incident(
        tenant,
        police_informed=False,
        police_informed_at=clock.now,
        crime_reference="CRI/1",
    )

    assert incident.police_informed_at is None
    assert incident.crime_reference == ""


def test_an_incident_in_the_future_is_refused(colleague, tenant, clock):
    errors = refused(
        colleague,
        clock.now,
        incident_input(tenant, clock.now, occurred_at=clock.now + timedelta(minutes=1)),
    )

    assert errors == {"occurred_on": "The date and time of the incident must be in the past"}


def test_an_incident_reported_the_moment_it_happens_is_accepted(make_incident, tenant, clock):
    incident = make_incident(tenant, occurred_at=clock.now)

    assert incident.occurred_at == clock.now
    assert incident.reported_at == clock.now


def test_an_unknown_customer_is_refused(colleague, clock):
    data = IncidentInput(
        customer_id=999_999,
        occurred_at=clock.now,
        channel=Channel.PHONE,
        categories=[Category.AGGRESSIVE],
        description="x",
    )

    with pytest.raises(ServiceError) as caught:
        report_incident(colleague, clock.now, data)

    assert caught.value.codes == {"customer_id": "incident.customer_missing"}


def test_reports_are_numbered_by_year(make_incident, tenant, clock):
    first = make_incident(tenant)
    second = make_incident(tenant)

    assert (first.reference, second.reference) == ("INC-2026-00001", "INC-2026-00002")
    assert first.status == IncidentStatus.AWAITING_REVIEW


# --- The line manager is told at once (§8.2) -----------------------------------------------


def notifications_for(session, user) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)))


@pytest.mark.policy("8.2")
def test_the_line_manager_is_notified_the_moment_the_report_is_filed(
    session, make_incident, colleague, tenant, clock
):
    incident = make_incident(tenant)

    notes = notifications_for(session, colleague.line_manager)
    assert len(notes) == 1
    assert notes[0].created_at == clock.now
    assert notes[0].read_at is None
    assert notes[0].link == f"/staff/incidents/{incident.id}/decision"
    assert incident.reference in notes[0].message
    assert "Colin Colleague" in notes[0].message
    assert incident.line_manager_id == colleague.line_manager_id


@pytest.mark.policy("8.2")
def test_an_alternative_manager_can_be_told_when_the_line_manager_is_away(
    session, make_staff, make_incident, colleague, tenant
):
    stand_in = make_staff(Role.LINE_MANAGER, name="Alex Alternate")

    incident = make_incident(tenant, line_manager_id=stand_in.id)

    assert incident.line_manager_id == stand_in.id
    assert len(notifications_for(session, stand_in)) == 1
    assert notifications_for(session, colleague.line_manager) == []


@pytest.mark.policy("8.2")
@pytest.mark.parametrize("problem", ["no manager", "inactive manager", "themselves"])
def test_a_report_must_go_to_a_real_manager(session, make_staff, make_customer, clock, problem):
    customer = make_customer()
    reporter = make_staff(Role.LINE_MANAGER)
    manager_id = None
    if problem == "inactive manager":
        manager_id = make_staff(Role.LINE_MANAGER, active=False).id
    elif problem == "themselves":
        manager_id = reporter.id

    errors = refused(
        reporter, clock.now, incident_input(customer, clock.now, line_manager_id=manager_id)
    )

    assert errors == {
        "line_manager_id": "Choose the manager to tell (your line manager or another)"
    }
    assert session.scalars(select(Notification)).all() == []


# --- Who the customer is decides the route (§3.1, §8.4, §8.6) -------------------------------


@pytest.mark.policy("3.1")
def test_every_customer_type_of_3_1_is_known():
    assert {t.value for t in CustomerType} == {
        "tenant",
        "leaseholder",
        "applicant",
        "resident",
        "former_tenant",
        "visitor",
        "friend_or_relative",
        "third_party_representative",
    }


@pytest.mark.policy("8.4", "3.1")
def test_a_tenant_goes_to_the_panel_with_asb_remedies(make_incident, tenant):
    incident = make_incident(tenant)

    assert incident.route == Route.ASB
    assert incident.route_is_asb is True


@pytest.mark.policy("8.4", "3.1")
@pytest.mark.parametrize("kind", [CustomerType.FRIEND_OR_RELATIVE, CustomerType.VISITOR])
def test_a_relative_or_visitor_of_a_tenant_goes_to_the_panel_with_asb_remedies(
    make_customer, make_incident, tenant, kind
):
    relative = make_customer(customer_type=kind, tenant_id=tenant.id)

    assert make_incident(relative).route == Route.ASB


@pytest.mark.policy("8.6", "3.1")
@pytest.mark.parametrize(
    "kind",
    [
        CustomerType.LEASEHOLDER,
        CustomerType.APPLICANT,
        CustomerType.RESIDENT,
        CustomerType.FORMER_TENANT,
        CustomerType.THIRD_PARTY,
    ],
)
def test_other_customers_go_to_the_police_then_the_panel(make_customer, make_incident, kind):
    incident = make_incident(make_customer(customer_type=kind))

    assert incident.route == Route.POLICE_PANEL
    assert incident.route_is_asb is False


@pytest.mark.policy("8.6", "3.1")
@pytest.mark.parametrize("kind", [CustomerType.FRIEND_OR_RELATIVE, CustomerType.VISITOR])
def test_a_relative_or_visitor_with_no_tenant_goes_to_the_police_then_the_panel(
    make_customer, kind
):
    assert route_for(make_customer(customer_type=kind)) == Route.POLICE_PANEL


@pytest.mark.policy("8.6", "3.1")
@pytest.mark.parametrize("linked", [CustomerType.LEASEHOLDER, CustomerType.FORMER_TENANT])
def test_a_relative_of_someone_who_is_not_a_tenant_goes_to_the_police_then_the_panel(
    make_customer, make_incident, linked
):
    not_a_tenant = make_customer(customer_type=linked)
    relative = make_customer(
        customer_type=CustomerType.FRIEND_OR_RELATIVE, tenant_id=not_a_tenant.id
    )

    assert make_incident(relative).route == Route.POLICE_PANEL


# --- The report is audited -----------------------------------------------------------------


def test_reporting_is_audited(make_incident, tenant, colleague, clock, audit_events):
    incident = make_incident(tenant, example_types=["threats"])

    [event] = audit_events("incident.reported")
    assert event.entity_type == "incident"
    assert event.entity_id == incident.id
    assert event.actor_id == colleague.id
    assert event.at == clock.now
    assert event.after["route"] == "panel_asb"
    assert event.after["serious"] is True
    assert event.after["categories"] == ["aggressive_or_abusive"]
    assert event.after["review_due_on"] == "2026-11-28"
