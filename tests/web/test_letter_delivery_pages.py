"""Choosing how a warning or arrangement letter reaches the customer, through the staff pages
(issue 16, point 8; §8.9, §8.15): the choice sits on the page that issues the letter, a way
that cannot reach the customer is refused beside the field, bad input is a field error (never
a 500), and the staff pages say how and when the letter went."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import db
from portal.arrangements.models import Arrangement
from portal.conduct_warnings.models import ConductWarning
from portal.letters.delivery import Delivery
from portal.outbox.models import OutboxEmail
from portal.timeutil import add_months
from tests.conftest import csrf_token
from tests.pages import check_page, errors_on
from tests.restriction_factories import make_reachable

ONLY_BY_HAND = "can only be given to them by hand"


def plain(soup) -> str:
    return " ".join(soup.get_text(" ").split())


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def reviewed(make_customer, make_incident, review_incident, clock, client, sign_in, panel_member):
    """``reviewed(*ways)``: the warning page's URL for an incident the Panel decided on a
    warning for, its customer reachable each of ``ways``; the Panel member signed in."""

    def _make(*ways: Delivery) -> str:
        customer = make_customer()
        for way in ways:
            make_reachable(customer, way, clock.now)
        incident = make_incident(customer)
        review_incident(incident, clock.now)
        sign_in(panel_member)
        return f"/staff/incidents/{incident.id}/warning"

    return _make


def _issue(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


@pytest.mark.policy("8.9")
def test_point8_the_warning_page_offers_each_way_and_needs_one(client, reviewed):
    url = reviewed(Delivery.POST)
    page = check_page(client.get(url))
    offered = {i["value"] for i in page.select("input[name=delivery]")}
    assert offered == {d.value for d in Delivery}
    assert page.find(id="only-by-hand") is None
    refused = check_page(_issue(client, url), 422)
    assert errors_on(refused) == {"delivery-0": "Choose how the letter is sent"}
    assert _count(ConductWarning) == 0


@pytest.mark.policy("8.9")
@pytest.mark.parametrize("value", ["pigeon", "POST", "", " post"])
def test_point8_an_unknown_way_is_a_field_error_not_a_500(client, reviewed, value):
    url = reviewed(Delivery.POST)
    refused = check_page(_issue(client, url, delivery=value), 422)
    assert errors_on(refused) == {"delivery-0": "Choose how the letter is sent"}
    assert _count(ConductWarning) == 0


@pytest.mark.policy("8.9")
def test_point8_a_way_that_cannot_reach_is_refused_beside_the_field(client, reviewed):
    url = reviewed(Delivery.POST)
    refused = check_page(_issue(client, url, delivery="email"), 422)
    assert "no email address" in errors_on(refused)["delivery-0"]
    assert "no email address" in plain(refused.find(id="delivery-error"))
    # The letter is still there to check, and nothing was written.
    assert refused.select_one(".letter--preview") is not None
    assert (_count(ConductWarning), _count(OutboxEmail)) == (0, 0)


@pytest.mark.policy("8.9")
def test_point8_a_customer_nothing_reaches_is_told_plainly_then_given_it_by_hand(client, reviewed):
    url = reviewed()
    page = check_page(client.get(url))
    notice = plain(page.find(id="only-by-hand"))
    assert ONLY_BY_HAND in notice and "Record their address or email" in notice
    refused = check_page(_issue(client, url, delivery="post"), 422)
    assert ONLY_BY_HAND in errors_on(refused)["delivery-0"]
    issued = _issue(client, url, delivery="hand")
    assert issued.status_code == 303
    [warning] = db.session.scalars(select(ConductWarning))
    assert warning.delivery == Delivery.HAND
    incident_page = check_page(client.get(f"/staff/incidents/{warning.incident_id}"))
    assert "Given by hand on 23 November 2026." in plain(incident_page)


@pytest.mark.policy("8.9")
def test_point8_a_warning_in_the_portal_is_issued_and_the_record_says_so(client, reviewed, clock):
    url = reviewed(Delivery.PORTAL)
    issued = _issue(client, url, delivery="portal")
    assert issued.status_code == 303
    [warning] = db.session.scalars(select(ConductWarning))
    assert (warning.delivery, warning.sent_at) == (Delivery.PORTAL, clock.now)
    assert _count(OutboxEmail) == 1
    record = check_page(client.get(f"/staff/customers/{warning.customer_id}"))
    assert "Sent in the customer portal on 23 November 2026" in plain(record)


# --- arrangements (§8.15) ----------------------------------------------------------------------


def _arrangement(clock, **overrides) -> dict:
    return {
        "kinds": ["call_length"],
        "summary": "Shorter calls keep things calm.",
        "call_length_amount": "20",
        "review_on": add_months(clock.now.date(), 3).isoformat(),
        "action": "approve",
        **overrides,
    }


@pytest.mark.policy("8.15")
def test_point8_an_arrangement_needs_a_way_that_reaches_the_customer(
    client, sign_in, panel_member, make_customer, clock
):
    customer = make_customer()
    make_reachable(customer, Delivery.EMAIL, clock.now)
    sign_in(panel_member)
    url = f"/staff/customers/{customer.id}/arrangements/new"
    assert check_page(client.get(url)).find(id="only-by-hand") is None
    for value, says in (
        ("", "Choose how the letter is sent"),
        ("carrier-pigeon", "Choose how the letter is sent"),
        ("post", "no postal address"),
    ):
        data = {"csrf_token": csrf_token(client, url), **_arrangement(clock, delivery=value)}
        refused = check_page(client.post(url, data=data), 422)
        assert says in errors_on(refused)["delivery-0"], value
    assert _count(Arrangement) == 0
    data = {"csrf_token": csrf_token(client, url), **_arrangement(clock, delivery="email")}
    assert client.post(url, data=data).status_code == 303
    [arrangement] = db.session.scalars(select(Arrangement))
    assert (arrangement.delivery, arrangement.sent_at) == (Delivery.EMAIL, clock.now)
    assert _count(OutboxEmail) == 1
    record = check_page(client.get(f"/staff/customers/{customer.id}"))
    assert "Sent by email on 23 November 2026" in plain(record)


@pytest.mark.policy("8.15")
def test_point8_the_arrangement_page_says_when_nothing_reaches_the_customer(
    client, sign_in, panel_member, make_customer
):
    customer = make_customer()
    sign_in(panel_member)
    page = check_page(client.get(f"/staff/customers/{customer.id}/arrangements/new"))
    assert ONLY_BY_HAND in plain(page.find(id="only-by-hand"))
