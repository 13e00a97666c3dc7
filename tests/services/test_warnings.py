"""Staged written warnings and their letters (§8.7–8.14)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from portal.auth.models import Role
from portal.conduct_warnings.models import Stage
from portal.conduct_warnings.services import draft_warning_letter, issue_warning, stage_for
from portal.customers.models import CustomerType
from portal.errors import NotAllowed, ServiceError
from portal.incidents.models import Incident
from portal.letters.delivery import Delivery
from portal.letters.models import Letter, LetterKind
from portal.letters.services import verify
from portal.letters.signature import signed_by
from portal.panel.models import Outcome
from portal.panel.services import record_review
from tests.factories import review_input

FIRST_INCIDENT = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
SECOND_INCIDENT = datetime(2026, 5, 11, 10, 0, tzinfo=UTC)
FINAL_INCIDENT = datetime(2026, 9, 14, 10, 0, tzinfo=UTC)

FIRST_BEHAVIOUR = "Called the housing officer a liar and slammed the phone down."
SECOND_BEHAVIOUR = "Sent eleven abusive emails to the repairs team in one afternoon."
FINAL_BEHAVIOUR = "Threatened to wait for the officer outside the office after work."


@pytest.fixture
def customer(make_customer):
    return make_customer(forename="Jo", surname="Bloggs", customer_type=CustomerType.TENANT)


@pytest.fixture
def policy_enclosure(org, session):
    org.name = "Wythenshawe Community Housing Group"
    org.policy_title = "Customer Conduct Policy & Procedure (V1.1)"
    org.policy_url = "https://example.org/customer-conduct-policy.pdf"
    session.commit()
    return org


@pytest.fixture
def warn(session, make_incident, review_incident, panel_member):
    """Report an incident at ``when`` with ``behaviour``, review it, and issue the warning."""

    def _warn(customer, when: datetime, behaviour: str, **review):
        # The letter tells the behaviour in the Panel's words, not the colleague's report.
        incident = make_incident(
            customer, now=when, occurred_at=when - timedelta(hours=1), description=REPORT
        )
        review.setdefault("letter_summary", behaviour)
        review_incident(incident, when + timedelta(hours=2), **review)
        warning = issue_warning(panel_member, when + timedelta(hours=3), incident, Delivery.HAND)
        session.commit()
        return warning

    return _warn


REPORT = "Colleague's notes: rang at 9.05, abusive, call ended. Not for the customer's letter."


def letter_of(session, warning) -> Letter:
    return session.get(Letter, warning.letter_id)


def text_of(letter: Letter) -> str:
    return " ".join(BeautifulSoup(letter.body_html, "html.parser").get_text(" ").split())


# --- The stages ----------------------------------------------------------------------------


@pytest.mark.policy("8.7")
def test_a_first_incident_leads_to_a_first_stage_warning(warn, customer, panel_member):
    warning = warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)

    assert warning.stage == Stage.FIRST
    assert warning.customer_id == customer.id
    assert warning.issued_on == date(2026, 1, 12)
    assert warning.lapses_on == date(2027, 1, 12)
    assert warning.issued_by_id == panel_member.id
    assert warning.issued_at == FIRST_INCIDENT + timedelta(hours=3)


@pytest.mark.policy("8.10")
def test_a_further_incident_within_12_months_leads_to_a_second_stage_warning(warn, customer):
    warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)

    assert warn(customer, SECOND_INCIDENT, SECOND_BEHAVIOUR).stage == Stage.SECOND


@pytest.mark.policy("8.12")
def test_a_further_incident_after_a_second_warning_leads_to_a_final_warning(warn, customer):
    warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    warn(customer, SECOND_INCIDENT, SECOND_BEHAVIOUR)

    assert warn(customer, FINAL_INCIDENT, FINAL_BEHAVIOUR).stage == Stage.FINAL


@pytest.mark.policy("8.12")
def test_after_a_live_final_warning_the_panel_cannot_choose_another_warning(
    warn, customer, make_incident, panel_member, clock
):
    warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    warn(customer, SECOND_INCIDENT, SECOND_BEHAVIOUR)
    warn(customer, FINAL_INCIDENT, FINAL_BEHAVIOUR)
    fourth = make_incident(customer)

    assert stage_for(fourth) is None
    with pytest.raises(ServiceError) as caught:
        record_review(panel_member, clock.now, fourth, review_input(outcome=Outcome.WARNING))
    assert caught.value.codes == {"outcome": "panel_review.final_warning_live"}

    review = record_review(
        panel_member, clock.now, fourth, review_input(outcome=Outcome.RESTRICTION_REQUEST)
    )
    assert review.outcome == Outcome.RESTRICTION_REQUEST


@pytest.mark.policy("8.12")
def test_no_fourth_warning_even_if_the_review_was_recorded_before_the_final(
    warn, customer, make_incident, review_incident, panel_member
):
    warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    warn(customer, SECOND_INCIDENT, SECOND_BEHAVIOUR)
    # Two reports in the same week, both reviewed "warning" before either letter goes out.
    third = make_incident(customer, now=FINAL_INCIDENT, occurred_at=FINAL_INCIDENT)
    fourth = make_incident(customer, now=FINAL_INCIDENT, occurred_at=FINAL_INCIDENT)
    review_incident(third, FINAL_INCIDENT + timedelta(hours=1))
    review_incident(fourth, FINAL_INCIDENT + timedelta(hours=1))
    assert issue_warning(
        panel_member, FINAL_INCIDENT + timedelta(hours=2), third, Delivery.HAND
    ).stage == (Stage.FINAL)

    with pytest.raises(ServiceError) as caught:
        issue_warning(panel_member, FINAL_INCIDENT + timedelta(hours=3), fourth, Delivery.HAND)

    assert "request to restrict contact" in str(caught.value)


@pytest.mark.policy("8.10")
def test_a_warning_issued_23_nov_2025_counts_for_an_incident_on_23_nov_2026(
    give_warning, make_customer, make_incident
):
    customer = make_customer()
    give_warning(customer, datetime(2025, 11, 23, 11, 0, tzinfo=UTC))

    incident = make_incident(
        customer,
        now=datetime(2026, 11, 23, 23, 0, tzinfo=UTC),
        occurred_at=datetime(2026, 11, 23, 23, 0, tzinfo=UTC),
    )

    assert stage_for(incident) == Stage.SECOND


@pytest.mark.policy("8.10")
def test_a_warning_issued_23_nov_2025_has_lapsed_for_an_incident_on_24_nov_2026(
    give_warning, make_customer, make_incident
):
    customer = make_customer()
    give_warning(customer, datetime(2025, 11, 23, 11, 0, tzinfo=UTC))

    incident = make_incident(
        customer,
        now=datetime(2026, 11, 24, 0, 30, tzinfo=UTC),
        occurred_at=datetime(2026, 11, 24, 0, 0, tzinfo=UTC),
    )

    assert stage_for(incident) == Stage.FIRST


@pytest.mark.policy("8.12")
def test_a_lapsed_first_and_a_live_second_lead_to_a_final(warn, customer):
    warn(customer, datetime(2025, 1, 13, 10, tzinfo=UTC), FIRST_BEHAVIOUR)
    second = warn(customer, datetime(2025, 11, 10, 10, tzinfo=UTC), SECOND_BEHAVIOUR)

    final = warn(customer, datetime(2026, 3, 9, 10, tzinfo=UTC), FINAL_BEHAVIOUR)

    assert second.stage == Stage.SECOND
    assert final.stage == Stage.FINAL


def test_the_issue_date_is_the_london_date(warn, customer):
    # Issued at 02:00 BST on Thursday 16 July 2026, which is still 15 July in UTC.
    warning = warn(customer, datetime(2026, 7, 15, 22, 0, tzinfo=UTC), FIRST_BEHAVIOUR)

    assert warning.issued_on == date(2026, 7, 16)
    assert warning.lapses_on == date(2027, 7, 16)


# --- Who may issue, and when ---------------------------------------------------------------


@pytest.mark.policy("8.7")
def test_a_warning_is_issued_only_once_for_an_incident(
    warn, customer, session, panel_member, clock
):
    warning = warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    incident = session.get(Incident, warning.incident_id)

    with pytest.raises(ServiceError) as caught:
        issue_warning(panel_member, clock.now, incident, Delivery.HAND)

    assert caught.value.codes == {"": "warning.issued_already"}


@pytest.mark.policy("8.7")
def test_no_warning_without_the_panel_deciding_on_one(
    make_incident, review_incident, customer, panel_member, clock
):
    unreviewed = make_incident(customer)
    informal = make_incident(customer)
    review_incident(informal, clock.now, outcome=Outcome.INFORMAL)

    for incident in (unreviewed, informal):
        with pytest.raises(ServiceError) as caught:
            issue_warning(panel_member, clock.now, incident, Delivery.HAND)
        assert "has not decided to issue a warning" in str(caught.value)


@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT])
def test_only_the_panel_issues_warnings(
    make_staff, make_incident, review_incident, customer, clock, role
):
    incident = make_incident(customer)
    review_incident(incident, clock.now)

    with pytest.raises(NotAllowed):
        issue_warning(make_staff(role), clock.now, incident, Delivery.HAND)


@pytest.mark.policy("8.4")
def test_the_community_safety_manager_issues_warnings_only_for_tenant_referrals(
    make_staff, make_customer, make_incident, review_incident, clock
):
    csm = make_staff(Role.CSM)
    tenant_incident = make_incident(make_customer(customer_type=CustomerType.TENANT))
    other_incident = make_incident(make_customer(customer_type=CustomerType.APPLICANT))
    review_incident(tenant_incident, clock.now)
    review_incident(other_incident, clock.now)

    assert issue_warning(csm, clock.now, tenant_incident, Delivery.HAND).stage == Stage.FIRST
    with pytest.raises(NotAllowed):
        issue_warning(csm, clock.now, other_incident, Delivery.HAND)


# --- The letter (§8.9, §8.11, §8.13) -------------------------------------------------------


@pytest.mark.policy("8.9")
def test_the_letter_is_frozen_with_a_hash_that_matches(warn, customer, session, panel_member):
    warning = warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    letter = letter_of(session, warning)

    assert letter.kind == LetterKind.WARNING
    assert letter.customer_id == customer.id
    assert letter.reference == "LET-2026-00001"
    assert letter.subject == "First stage warning: your conduct towards our colleagues"
    assert letter.issued_by_id == panel_member.id
    assert letter.content_sha256 == hashlib.sha256(letter.body_html.encode()).hexdigest()
    assert verify(letter) is True

    letter.body_html = letter.body_html.replace("first stage", "final")
    assert verify(letter) is False
    session.rollback()


@pytest.mark.policy("8.9")
def test_the_first_stage_letter_sets_out_the_behaviour_consequences_and_encloses_the_policy(
    warn, customer, session, policy_enclosure
):
    text = text_of(letter_of(session, warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)))

    assert "Dear Jo Bloggs" in text
    assert "Monday 12 January 2026" in text
    assert FIRST_BEHAVIOUR in text
    assert "We consider this to be:" in text
    assert "Aggressive or abusive behaviour" in text
    assert "Earlier warnings" not in text
    assert (
        "If there is another incident within the next 12 months, we will send you a second "
        "stage written warning." in text
    )
    assert "This warning counts until 12 January 2027." in text
    assert (
        "Enclosed: Customer Conduct Policy & Procedure (V1.1) You can also read it online at "
        "https://example.org/customer-conduct-policy.pdf" in text
    )
    assert "you can always make a complaint and report an emergency repair" in text


@pytest.mark.policy("8.11")
def test_the_second_stage_letter_sets_out_this_and_the_first_stages_behaviour(
    warn, customer, session, policy_enclosure
):
    warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    second = warn(customer, SECOND_INCIDENT, SECOND_BEHAVIOUR)
    letter = letter_of(session, second)
    text = text_of(letter)

    assert letter.subject.startswith("Second stage warning")
    assert SECOND_BEHAVIOUR in text
    assert (
        "First stage warning sent on 12 January 2026, about Monday 12 January 2026: "
        + FIRST_BEHAVIOUR
    ) in text
    assert "we will send you a final warning." in text
    assert "This warning counts until 11 May 2027." in text
    assert "Enclosed: Customer Conduct Policy & Procedure (V1.1)" in text


@pytest.mark.policy("8.13")
def test_the_final_warning_letter_sets_out_every_stages_behaviour(
    warn, customer, session, policy_enclosure
):
    warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    warn(customer, SECOND_INCIDENT, SECOND_BEHAVIOUR)
    final = warn(customer, FINAL_INCIDENT, FINAL_BEHAVIOUR)
    letter = letter_of(session, final)
    text = text_of(letter)

    assert letter.subject.startswith("Final warning")
    assert FINAL_BEHAVIOUR in text
    assert "First stage warning sent on 12 January 2026" in text
    assert FIRST_BEHAVIOUR in text
    assert "Second stage warning sent on 11 May 2026" in text
    assert SECOND_BEHAVIOUR in text
    assert text.index(FIRST_BEHAVIOUR) < text.index(SECOND_BEHAVIOUR)
    assert "we may ask our Group Leadership Team to restrict how you can contact us" in text
    assert "This warning counts until 14 September 2027." in text
    assert "Enclosed: Customer Conduct Policy & Procedure (V1.1)" in text
    assert verify(letter) is True


@pytest.mark.policy("8.13")
def test_the_final_letter_after_a_lapsed_first_sets_out_the_live_second(warn, customer, session):
    warn(customer, datetime(2025, 1, 13, 10, tzinfo=UTC), FIRST_BEHAVIOUR)
    warn(customer, datetime(2025, 11, 10, 10, tzinfo=UTC), SECOND_BEHAVIOUR)
    final = warn(customer, datetime(2026, 3, 9, 10, tzinfo=UTC), FINAL_BEHAVIOUR)

    text = text_of(letter_of(session, final))

    assert "Second stage warning sent on 10 November 2025" in text
    assert SECOND_BEHAVIOUR in text


@pytest.mark.policy("8.9")
def test_the_policy_enclosure_is_the_organisations_own_configured_document(
    warn, customer, session, org
):
    org.policy_title = "Acceptable Behaviour Policy 2027"
    org.policy_url = ""
    session.commit()

    text = text_of(letter_of(session, warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)))

    assert "Enclosed: Acceptable Behaviour Policy 2027" in text
    assert "read it online" not in text


@pytest.mark.policy("8.14")
def test_the_letter_tells_the_customer_about_the_support_referral(warn, customer, session):
    warning = warn(
        customer,
        FIRST_INCIDENT,
        FIRST_BEHAVIOUR,
        support_referral=True,
        support_referral_to="Wythenshawe Community Mental Health Team",
    )

    text = text_of(letter_of(session, warning))

    assert (
        "We have also referred you to Wythenshawe Community Mental Health Team, who may be "
        "able to help you." in text
    )


@pytest.mark.policy("8.14")
def test_vulnerabilities_are_considered_at_every_warning_stage(
    make_customer, make_incident, panel_member, session
):
    customer = make_customer(vulnerability_notes="Learning disability; reads with support.")
    stages = []
    for when in (FIRST_INCIDENT, SECOND_INCIDENT, FINAL_INCIDENT):
        incident = make_incident(customer, now=when, occurred_at=when - timedelta(hours=1))
        with pytest.raises(ServiceError) as caught:
            record_review(panel_member, when, incident, review_input())
        assert "vulnerability_considered" in caught.value.errors
        record_review(
            panel_member,
            when,
            incident,
            review_input(
                vulnerability_considered=True,
                vulnerability_notes="Letter read through with the support worker.",
            ),
        )
        stages.append(
            issue_warning(panel_member, when + timedelta(hours=1), incident, Delivery.HAND).stage
        )
        session.commit()

    assert stages == [Stage.FIRST, Stage.SECOND, Stage.FINAL]


def test_the_draft_is_what_will_be_issued(
    make_incident, review_incident, customer, panel_member, clock, session
):
    incident = make_incident(customer)
    review_incident(incident, clock.now)

    with signed_by(panel_member):  # as the Panel member previewing it sees it (issue 16, point 18)
        stage, subject, html = draft_warning_letter(incident, clock.now)
    warning = issue_warning(panel_member, clock.now, incident, Delivery.HAND)

    assert stage == warning.stage == Stage.FIRST
    letter = letter_of(session, warning)
    assert (subject, html) == (letter.subject, letter.body_html)


def test_issuing_a_warning_is_audited(warn, customer, session, panel_member, audit_events):
    warning = warn(customer, FIRST_INCIDENT, FIRST_BEHAVIOUR)
    letter = letter_of(session, warning)

    [letter_event] = audit_events("letter.issued")
    [warning_event] = audit_events("warning.issued")
    assert letter_event.entity_id == letter.id
    assert letter_event.after["sha256"] == letter.content_sha256
    assert warning_event.entity_id == warning.id
    assert warning_event.actor_id == panel_member.id
    assert warning_event.after == {
        "stage": "first",
        "issued_on": "2026-01-12",
        "lapses_on": "2027-01-12",
        "letter": letter.reference,
        "sha256": letter.content_sha256,
        "delivery": "hand",
        "sent_at": "2026-01-12T13:00:00+00:00",
    }
    assert warning_event.summary.endswith("Given by hand on 12 January 2026")
