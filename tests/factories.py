"""Factory fixtures: make_staff, make_customer, make_incident, review_incident, give_warning."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.auth.models import Role
from portal.auth.services import create_user
from portal.conduct_warnings.services import issue_warning
from portal.customers.models import Customer, CustomerType
from portal.incidents.catalogue import Category, Channel
from portal.incidents.services import IncidentInput, report_incident
from portal.letters.delivery import Delivery
from portal.panel.models import CONTEXT_CONSIDERATIONS, Outcome
from portal.panel.services import ReviewInput, record_review

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@pytest.fixture
def make_staff(app, clock):
    def _make(*roles: Role, **overrides):
        n = next(_seq)
        roles = roles or (Role.COLLEAGUE,)
        fields = {
            "email": f"staff{n}@test.example",
            "name": f"Staff Member {n}",
            "password": PASSWORD,
        }
        fields.update(overrides)
        user = create_user(
            fields.pop("email"),
            fields.pop("name"),
            fields.pop("password"),
            list(roles),
            clock.now,
            **fields,
        )
        db.session.commit()
        return user

    return _make


@pytest.fixture
def make_customer(app, clock):
    def _make(**overrides):
        n = next(_seq)
        fields = {
            "reference": f"C-{900000 + n}",
            "forename": "Test",
            "surname": f"Customer{n}",
            "customer_type": CustomerType.TENANT,
            "created_at": clock.now - timedelta(days=800),
        }
        fields.update(overrides)
        customer = Customer(**fields)
        db.session.add(customer)
        db.session.commit()
        return customer

    return _make


@pytest.fixture
def colleague(make_staff):
    manager = make_staff(Role.LINE_MANAGER, name="Lena Manager")
    return make_staff(Role.COLLEAGUE, name="Colin Colleague", line_manager_id=manager.id)


@pytest.fixture
def panel_member(make_staff):
    return make_staff(Role.PANEL, name="Pat Panel")


@pytest.fixture
def make_incident(app, clock, colleague):
    """Report an incident through the service; ``now`` is when it is reported."""

    def _make(customer, now: datetime | None = None, reporter=None, **overrides):
        now = now or clock.now
        fields = {
            "customer_id": customer.id,
            "occurred_at": now - timedelta(hours=1),
            "channel": Channel.PHONE,
            "categories": [Category.AGGRESSIVE],
            "example_types": ["verbal_abuse"],
            "description": "Shouted and swore at the officer.",
        }
        fields.update(overrides)
        incident = report_incident(reporter or colleague, now, IncidentInput(**fields))
        db.session.commit()
        return incident

    return _make


def review_input(**overrides) -> ReviewInput:
    fields = {
        "context_considered": list(CONTEXT_CONSIDERATIONS),
        "context_notes": "Weighed; the abuse went beyond anger about the repair.",
        "outcome": Outcome.WARNING,
        "reasons": "Personal abuse of a colleague.",
        "letter_summary": "You shouted and swore at our officer on the phone.",
    }
    fields.update(overrides)
    return ReviewInput(**fields)


@pytest.fixture
def review_incident(app, panel_member):
    def _review(incident, now: datetime, reviewer=None, **overrides):
        review = record_review(reviewer or panel_member, now, incident, review_input(**overrides))
        db.session.commit()
        return review

    return _review


@pytest.fixture
def give_warning(app, make_incident, review_incident, panel_member):
    """Report, review and issue a warning for an incident that happened at ``when``."""

    def _give(customer, when: datetime):
        incident = make_incident(customer, now=when, occurred_at=when - timedelta(hours=1))
        review_incident(incident, when + timedelta(hours=2))
        warning = issue_warning(panel_member, when + timedelta(hours=3), incident, Delivery.HAND)
        db.session.commit()
        return warning

    return _give


def portal_account(customer, email: str, password: str, now) -> CustomerAccount:
    """An activated portal account for ``customer``, signed in with ``email`` and ``password``."""
    return CustomerAccount(
        customer_id=customer.id,
        email=email,
        password_hash=accounts.hash_password(password),
        activated_at=now,
        password_changed_at=now,
    )
