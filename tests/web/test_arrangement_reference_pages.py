"""A contact arrangement (§8.15) has a reference a customer can quote (issue 16, point 18): the
reference of its letter, which the letter asks them to give when they reply. The customer's
arrangement page and the Panel's answer page show the same reference, so whoever takes a call
about it finds it."""

from __future__ import annotations

import pytest

from portal import db
from portal.letters.models import Letter
from tests.factories import portal_account
from tests.pages import check_page
from tests.text import plain


@pytest.mark.policy("8.15")
def test_point18_the_arrangement_reference_is_the_one_its_letter_asks_the_customer_to_quote(
    app, client, sign_in, panel_member, clock, make_customer, make_arrangement
):
    customer = make_customer()
    account = portal_account(customer, "quote@test.example", "a long password", clock.now)
    db.session.add(account)
    db.session.commit()
    arrangement = make_arrangement(customer)
    letter = db.session.get(Letter, arrangement.letter_id)
    assert arrangement.reference == letter.reference
    assert f"please give our reference: {letter.reference}." in plain(letter.body_html)

    sign_in(panel_member)
    staff = check_page(client.get(f"/staff/arrangements/{arrangement.id}/answer"))
    said = " ".join(staff.find(id="arrangement-reference").get_text(" ").split())
    assert f"Reference the customer quotes: {letter.reference}" in said
    link = staff.find(id="arrangement-reference").find("a")
    assert link["href"] == f"/staff/letters/{letter.id}"

    visitor = app.test_client()
    sign_in(account, on=visitor)
    page = check_page(visitor.get(f"/arrangements/{arrangement.id}"))
    assert (
        f"Our reference for this arrangement is {letter.reference}."
        in page.find(id="arrangement-reference").get_text()
    )


@pytest.mark.policy("8.15")
def test_point18_the_record_and_the_customers_home_give_the_arrangement_reference(
    app, client, sign_in, panel_member, clock, make_customer, make_arrangement
):
    customer = make_customer()
    account = portal_account(customer, "home-ref@test.example", "a long password", clock.now)
    db.session.add(account)
    db.session.commit()
    arrangement = make_arrangement(customer)
    reference = db.session.get(Letter, arrangement.letter_id).reference

    sign_in(panel_member)
    record = check_page(client.get(f"/staff/customers/{customer.id}"))
    entry = record.find(id=f"arrangement-{arrangement.id}")
    assert f"Reference {reference}" in " ".join(
        entry.find(class_="arrangement-reference").get_text(" ").split()
    )

    visitor = app.test_client()
    sign_in(account, on=visitor)
    home = check_page(visitor.get("/home"))
    card = home.find(class_="arrangement-reference")
    assert f"Our reference for this arrangement is {reference}." in card.get_text()
