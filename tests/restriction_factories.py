"""Factory fixtures for the restriction stage: glt_member, organisation_ready, final_warning_for,
serious_incident_for, make_request, approve_request, restriction_in_force, make_arrangement,
terminated, reachable_by."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts.models import CustomerAccount
from portal.arrangements import services as arrangements
from portal.arrangements.models import TermKind
from portal.auth.models import Role
from portal.errors import ServiceError
from portal.organisation.services import get_organisation
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    CHECKLIST,
    ContactRoute,
    Delivery,
    RequestStatus,
    RestrictionKind,
)
from portal.timeutil import add_months, london_date
from tests.snapshots import kept

EVIDENCE = {key: f"Evidence for {key}: see the contact log and letters." for key in CHECKLIST}


def refusal(call, *args, **kwargs) -> ServiceError:
    """The ServiceError ``call`` raises, after rolling back what it had started."""
    with pytest.raises(ServiceError) as raised:
        call(*args, **kwargs)
    db.session.rollback()
    return raised.value


def restriction_like(kind: RestrictionKind, **fields) -> SimpleNamespace:
    """A stand-in for a restriction of ``kind`` (no database): no detail, review in May 2027."""
    values = {
        "kind": kind,
        "channel": None,
        "named_manager": None,
        "schedule": "",
        "third_party": "",
        "ends_on": None,
        "review_on": date(2027, 5, 23),
    }
    values.update(fields)
    return SimpleNamespace(**values)


# The §4.5, §4.7 and §9.5 answers every request gives (§9.5's are kept only when the proposal
# ends all contact).
CONSIDERATIONS = {
    "representative_considered": True,
    "representative_decision": "Offered contact through their support worker; they declined.",
    "eia_needed": False,
    "other_methods_exhausted": True,
    "other_methods_tried": "Email only for three months, then one named manager: both broken.",
}


def request_input(**overrides) -> restrictions.RequestInput:
    fields = {
        "checklist": dict(EVIDENCE),
        "proposed_kinds": [RestrictionKind.CHANNEL_ONLY],
        "proposal": "Contact by email only for six months.",
        **CONSIDERATIONS,
    }
    fields.update(overrides)
    return restrictions.RequestInput(**fields)


def spec(starts_on: date, **overrides) -> restrictions.RestrictionSpec:
    fields = {
        "kind": RestrictionKind.CHANNEL_ONLY,
        "channel": ContactRoute.EMAIL,
        "starts_on": starts_on,
        "reasons": "Abusive calls continued after a final warning.",
    }
    fields.update(overrides)
    if "review_on" not in fields:
        fields["review_on"] = add_months(starts_on, 6)
    return restrictions.RestrictionSpec(**fields)


def make_reachable(customer, delivery: Delivery, now: datetime) -> None:
    """Give ``customer`` what ``delivery`` needs: an address, an email, or a portal account."""
    if delivery == Delivery.POST and not customer.address:
        customer.address = "1 Test Street, Manchester M1 1AA"
    elif delivery == Delivery.EMAIL and not customer.email:
        customer.email = f"{customer.reference.lower()}@customer.test"
    elif delivery == Delivery.PORTAL and not db.session.scalar(
        select(CustomerAccount.id).where(CustomerAccount.customer_id == customer.id)
    ):
        db.session.add(
            CustomerAccount(
                customer_id=customer.id,
                email=f"{customer.reference.lower()}@portal.test",
                password_hash="pbkdf2:sha256:1$x$" + "0" * 64,
                activated_at=now,
                password_changed_at=now,
            )
        )
    db.session.commit()


@pytest.fixture
def reachable_by(app, clock):
    """``reachable_by(customer, delivery)``: let a letter reach the customer that way."""
    return lambda customer, delivery: make_reachable(customer, delivery, clock.now)


@pytest.fixture
def glt_member(make_staff):
    return make_staff(Role.GLT, name="Gwen Leader")


@pytest.fixture
def organisation_ready(app):
    """Organisation details a decision letter needs (§8.20)."""
    org = get_organisation()
    org.name = "Test Housing Group"
    org.address = "1 Test Street, Manchester M1 1AA"
    org.complaints_contact = "Complaints: 0161 000 0001"
    org.emergency_contact = "Emergency repairs: 0161 000 0999"
    org.review_request_contact = "Write to the Customer Conduct Panel to ask for a review."
    org.appeals_contact = "Write to the Customer Experience Manager to appeal."
    org.postal_delivery_days = 2
    db.session.commit()
    return org


@pytest.fixture
def final_warning_for(give_warning, clock):
    """Give ``customer`` first, second and final warnings ending ``days_ago`` days before now."""

    def _give(customer, days_ago: int = 10):
        warning = None
        for offset in (days_ago + 120, days_ago + 60, days_ago):
            warning = give_warning(customer, clock.now - timedelta(days=offset))
        return warning

    return _give


@pytest.fixture
def serious_incident_for(make_incident, clock):
    def _make(customer, now: datetime | None = None):
        return make_incident(customer, now=now or clock.now, example_types=["threats"])

    return _make


@pytest.fixture
def make_request(app, clock, panel_member):
    def _make(customer, now: datetime | None = None, requester=None, **overrides):
        request = restrictions.submit_request(
            requester or panel_member, now or clock.now, customer, request_input(**overrides)
        )
        db.session.commit()
        return request

    return _make


@pytest.fixture
def approve_request(app, clock, glt_member):
    def _approve(request, now: datetime | None = None, decider=None, specs=None, **spec_fields):
        now = now or clock.now
        specs = specs or [spec(london_date(now), **spec_fields)]
        outcome = (
            RequestStatus.APPROVED
            if {s.kind.value for s in specs} == set(request.proposed_kinds)
            else RequestStatus.APPROVED_WITH_CHANGES
        )
        created = restrictions.decide(
            decider or glt_member, now, request, outcome, "Evidence is clear.", specs
        )
        db.session.commit()
        return created

    return _approve


@pytest.fixture
def restriction_in_force(
    app,
    clock,
    make_customer,
    final_warning_for,
    make_request,
    approve_request,
    panel_member,
    organisation_ready,
):
    """A customer with a final warning and an email-only restriction, its letter handed over
    (or sent by ``delivery``, the customer given what that needs)."""

    def _make(customer=None, now: datetime | None = None, delivery=Delivery.HAND, **spec_fields):
        now = now or clock.now
        customer = customer or make_customer()
        make_reachable(customer, delivery, now)
        final_warning_for(customer)
        request = make_request(customer, now=now - timedelta(hours=2))
        created = approve_request(request, now=now - timedelta(hours=1), **spec_fields)
        restrictions.issue_decision_letter(panel_member, now, created, delivery)
        db.session.commit()
        return created[0]

    return _make


@pytest.fixture
def make_arrangement(app, clock, panel_member):
    def _make(customer, now: datetime | None = None, terms=None, review_on=None):
        now = now or clock.now
        terms = terms or [
            arrangements.TermInput(
                kind=TermKind.CALL_TIME, weekday=1, starts_at=time(10), ends_at=time(11)
            ),
            arrangements.TermInput(kind=TermKind.CALL_LENGTH, amount=20),
        ]
        arrangement = arrangements.approve(
            panel_member,
            now,
            customer,
            "Calls at a set time should keep things calm.",
            terms,
            review_on or add_months(london_date(now), 3),
            Delivery.HAND,
        )
        db.session.commit()
        return arrangement

    return _make


@pytest.fixture
@kept
def terminated(
    app,
    clock,
    make_customer,
    serious_incident_for,
    make_request,
    approve_request,
    panel_member,
    organisation_ready,
):
    """A customer with whom all contact is ended for three months after threats."""
    customer = make_customer()
    incident = serious_incident_for(customer)
    request = make_request(
        customer,
        proposed_kinds=[RestrictionKind.TERMINATION],
        waiver_incident_id=incident.id,
        waiver_reason="Threats of violence.",
    )
    today = london_date(clock.now)
    made = approve_request(
        request,
        kind=RestrictionKind.TERMINATION,
        channel=None,
        ends_on=add_months(today, 3),
        review_on=add_months(today, 3),
        immediate_notice=True,
    )
    restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
    db.session.commit()
    return customer
