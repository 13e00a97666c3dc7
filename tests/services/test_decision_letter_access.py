"""The decision letter carries the customer's way into the portal: their reference and a
one-time access code, or, once they have an account, where to sign in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import AccessCode
from portal.audit.models import AuditEvent
from portal.errors import ServiceError
from portal.letters.models import Letter
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery

CODE = re.compile(r"your access code: ([A-Z0-9]{5}-[A-Z0-9]{5})")
PASSWORD = "a long enough password"


def _letter(restriction) -> str:
    return db.session.get(Letter, restriction.letter_id).body_html


def test_a_customer_without_an_account_gets_a_code_that_opens_one(
    app, clock, make_customer, restriction_in_force
):
    customer = make_customer()
    restriction = restriction_in_force(customer, delivery=Delivery.POST)
    html = _letter(restriction)

    [code] = CODE.findall(html)
    assert f"your reference: {customer.reference}" in html
    assert "Go to http://127.0.0.1:5000/activate and enter:" in html
    # 28 days from Monday 23 November 2026.
    assert "The code works once, until 21 December 2026." in html
    assert "You do not have to use the portal" in html
    issued = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "customer.access_code_issued")
    ).all()
    assert [event.entity_id for event in issued] == [customer.id]

    account = accounts.activate(customer.reference, code, "c@test.example", PASSWORD, clock.now)
    assert account.customer_id == customer.id
    with pytest.raises(ServiceError):
        accounts.activate(customer.reference, code, "d@test.example", PASSWORD, clock.now)


def test_a_customer_with_an_account_is_told_where_to_sign_in(
    app, clock, make_customer, restriction_in_force, panel_member
):
    customer = make_customer()
    _record, code = accounts.issue_access_code(panel_member, clock.now, customer)
    accounts.activate(customer.reference, code, "c@test.example", PASSWORD, clock.now)
    db.session.commit()

    html = _letter(restriction_in_force(customer))

    assert "sign in at http://127.0.0.1:5000/sign-in" in html
    assert "access code" not in html
    assert db.session.scalar(select(func.count(AccessCode.id))) == 1  # no new code


def test_the_letter_gives_the_portals_public_address(app, make_customer, restriction_in_force):
    app.config["PUBLIC_URL"] = "https://portal.example.org/"
    html = _letter(restriction_in_force(make_customer()))
    assert "Go to https://portal.example.org/activate and enter:" in html


def test_a_preview_shows_where_the_code_goes_and_issues_none(
    app, clock, make_customer, final_warning_for, make_request, approve_request
):
    customer = make_customer()
    final_warning_for(customer)
    made = approve_request(make_request(customer))

    _subject, html, _dates = restrictions.draft_decision_letter(made, Delivery.POST, clock.now)

    assert f"your access code: {accounts.PREVIEW_CODE}" in html
    assert db.session.scalar(select(func.count(AccessCode.id))) == 0


def test_the_code_printed_is_the_only_one_that_works(
    app, clock, make_customer, restriction_in_force, panel_member
):
    """A code issued earlier from the customer's record stops working when the letter goes."""
    customer = make_customer()
    _record, earlier = accounts.issue_access_code(
        panel_member, clock.now - timedelta(days=1), customer
    )
    db.session.commit()
    [printed] = CODE.findall(_letter(restriction_in_force(customer)))

    with pytest.raises(ServiceError):
        accounts.activate(customer.reference, earlier, "c@test.example", PASSWORD, clock.now)
    assert accounts.activate(customer.reference, printed, "c@test.example", PASSWORD, clock.now)
