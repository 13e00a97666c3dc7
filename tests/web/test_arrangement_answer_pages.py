"""The Panel's view of a customer's answer to an informal arrangement (§8.15): what they said,
in their words, on the record and on the home page until the Panel acts, never an empty box."""

from __future__ import annotations

import pytest

from portal import db
from portal.arrangements import services as arrangements
from tests.conftest import csrf_token
from tests.factories import portal_account
from tests.pages import check_page

PASSWORD = "a long enough password"
PROPOSAL = "Could the calls be on Thursdays? I work on Tuesdays."


@pytest.fixture
def customer(app, clock, make_customer):
    customer = make_customer(address="1 Road, Manchester")
    db.session.add(portal_account(customer, "answers@test.example", PASSWORD, clock.now))
    db.session.commit()
    return customer


def _answer_online(app, arrangement, answer: str, note: str = ""):
    """The customer signs in on their own device and answers."""
    browser = app.test_client()
    browser.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(browser, "/sign-in"),
            "email": "answers@test.example",
            "password": PASSWORD,
        },
    )
    path = f"/arrangements/{arrangement.id}"
    response = browser.post(
        path, data={"csrf_token": csrf_token(browser, path), "answer": answer, "note": note}
    )
    assert response.status_code == 303, response.data[:500]


def _contact_box(page):
    return page.find(id="contact-rules-title").find_parent("section")


@pytest.mark.policy("8.15")
def test_asking_to_change_shows_the_proposal_to_staff(
    app, client, act_as, customer, make_arrangement, organisation_ready
):
    arrangement = make_arrangement(customer)
    _answer_online(app, arrangement, "propose_change", PROPOSAL)
    act_as("panel")

    page = check_page(client.get(f"/staff/customers/{customer.id}"))

    box = _contact_box(page)
    heading = box.find("h2").get_text()
    assert heading == "Suggested contact arrangement: the customer has answered"
    assert PROPOSAL in box.find("blockquote").get_text()
    assert "customer proposed a change" in box.get_text()
    listed = page.find(id=f"arrangement-{arrangement.id}")
    assert PROPOSAL in listed.find("blockquote").get_text()
    assert "Answered online, in the portal, on" in listed.get_text()


@pytest.mark.policy("8.15")
def test_an_unanswered_arrangement_shows_no_empty_agreed_box(
    client, act_as, customer, make_arrangement
):
    make_arrangement(customer)
    act_as("panel")
    page = check_page(client.get(f"/staff/customers/{customer.id}"))
    assert page.find(id="contact-rules-title") is None
    assert "Agreed contact arrangement" not in page.get_text()


@pytest.mark.policy("8.15")
def test_the_panel_home_lists_the_answer_and_the_notice_until_the_panel_acts(
    app, client, act_as, clock, customer, make_arrangement, organisation_ready
):
    arrangement = make_arrangement(customer)
    _answer_online(app, arrangement, "propose_change", PROPOSAL)
    me = act_as("panel")

    home = check_page(client.get("/staff/")).get_text()
    assert f"Reply to the change {customer.name} ({customer.reference}) asked for" in home
    assert f"{customer.name} ({customer.reference}) asked to change the contact arrangement" in home

    arrangements.end(me, clock.now, arrangement, "A new arrangement on Thursdays instead.")
    db.session.commit()

    home = check_page(client.get("/staff/")).get_text()
    assert "Reply to the change" not in home
