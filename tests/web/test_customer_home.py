"""The customer's home page: what contact is allowed now and later, the appeal they may still
make, their arrangements and letters, in a fixed number of queries however many there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, RestrictionKind
from portal.timeutil import london_date
from tests.conftest import csrf_token
from tests.restriction_factories import spec

PASSWORD = "a long enough password"


@pytest.fixture
def customer(app, clock, make_customer, final_warning_for):
    customer = make_customer(address="1 Road, Manchester")
    final_warning_for(customer)
    db.session.add(
        CustomerAccount(
            customer_id=customer.id,
            email="home@test.example",
            password_hash=accounts.hash_password(PASSWORD),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    return customer


@pytest.fixture
def decided(clock, make_request, approve_request, panel_member):
    """A decision with its letter sent, starting ``days`` from today."""

    def _decide(customer, days: int = 0, **fields):
        made = approve_request(
            make_request(customer, now=clock.now - timedelta(hours=2)),
            now=clock.now - timedelta(hours=1),
            specs=[spec(london_date(clock.now) + timedelta(days=days), **fields)],
        )
        restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.POST)
        db.session.commit()
        return made[0]

    return _decide


def _home(client):
    client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "home@test.example",
            "password": PASSWORD,
        },
    )
    return client.get("/home")


def test_the_home_says_what_is_allowed_now_later_and_how_long_to_appeal(
    client, customer, decided, organisation_ready
):
    organisation_ready.email = "hello@test.example"
    db.session.commit()
    decided(customer)
    decided(customer, days=14, kind=RestrictionKind.SET_TIMES, channel=None, schedule="Mon 10-12")
    page = _home(client)
    assert page.status_code == 200
    text = " ".join(BeautifulSoup(page.text, "html.parser").get_text(" ").split())
    assert "Contact us by email only" in text
    assert "Our email address: hello@test.example" in text
    # The set-times restriction starts in two weeks: said as such, not as in force now.
    assert "From Monday 7 December 2026: Call us only at the agreed times" in text
    assert "You have until" in text and "Start an appeal" in text
    assert "You can appeal this decision until" not in text


def test_the_home_runs_a_fixed_number_of_queries(
    client, customer, decided, make_arrangement, organisation_ready, count_queries
):
    decided(customer)
    make_arrangement(customer)
    _home(client)
    with count_queries() as few:
        assert client.get("/home").status_code == 200
    for days in (0, 3, 7):
        decided(customer, days=days)
    for _ in range(3):
        make_arrangement(customer)
    with count_queries() as many:
        assert client.get("/home").status_code == 200
    assert many.count == few.count, many.statements[few.count :]


def test_point13_each_warning_letter_is_named_by_its_stage_in_urdu(client, customer):
    """Letters sent in English, listed on an Urdu page: the first, second and final warning
    letters each have a title of their own (they all read "انتباہی خط")."""
    _home(client)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "ur"
    page = BeautifulSoup(client.get("/home").text, "html.parser")
    titles = [item.find("a").get_text(" ", strip=True) for item in page.select(".letter-list li")]
    assert len(titles) == 3
    assert len(set(titles)) == 3, titles
