"""A date a closure day moved says so where it is shown (spec §7): the last day to appeal on
the customer's home and appeals pages and on the staff record, and the expected outcome on the
customer's appeal page (§9.1, §9.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals import services as appeals
from portal.auth.models import Role
from portal.deadlines import add_closure, remove_closure
from tests.pages import check_page

NOTIFIED = datetime(2027, 3, 19, 10, tzinfo=UTC)  # Friday; appeal by Tue 20 Apr 2027 (Easter)
MOVED = "Moved because of the closure on Thursday 15 April 2027."


@pytest.fixture
def restricted(restriction_in_force, clock):
    clock.now = NOTIFIED
    return restriction_in_force(now=NOTIFIED)


@pytest.fixture
def account(restricted, clock):
    account = CustomerAccount(
        customer_id=restricted.customer_id,
        email="moved@test.example",
        password_hash=accounts.hash_password("a long enough password"),
        activated_at=clock.now,
        password_changed_at=clock.now,
    )
    db.session.add(account)
    db.session.commit()
    return account


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.mark.policy("9.1", "8.20")
def test_the_customer_is_told_why_their_last_day_to_appeal_moved(
    client, sign_in, account, restricted, admin
):
    closure = add_closure(admin, NOTIFIED, date(2027, 4, 15), "Office move")
    db.session.commit()
    sign_in(account)

    for url in ("/home", "/appeals"):
        page = check_page(client.get(url))
        text = page.get_text(" ", strip=True)
        assert "You have until Wednesday 21 April 2027 to appeal." in text
        assert MOVED in text

    remove_closure(admin, NOTIFIED, closure)
    db.session.commit()
    text = check_page(client.get("/appeals")).get_text(" ", strip=True)
    assert "You have until Tuesday 20 April 2027 to appeal." in text
    assert "Moved because of the closure" not in text


@pytest.mark.policy("9.1", "8.20")
def test_staff_see_why_the_appeal_by_date_moved(client, sign_in, make_staff, restricted, admin):
    add_closure(admin, NOTIFIED, date(2027, 4, 15), "Office move")
    db.session.commit()
    sign_in(make_staff(Role.CEM, name="Cara Experience"))

    page = check_page(client.get(f"/staff/customers/{restricted.customer_id}"))

    text = page.get_text(" ", strip=True)
    assert "Appeal by" in text
    assert MOVED in text


@pytest.mark.policy("9.1", "9.4")
def test_the_customer_is_told_why_the_expected_outcome_moved(
    client, sign_in, make_staff, account, restricted, admin
):
    sent = datetime(2027, 3, 22, 10, tzinfo=UTC)
    appeal = appeals.start_draft(sent, restricted)
    appeals.save_answers(sent, appeal, appeals.Answers(grounds="The report was mistaken."))
    appeals.lodge(restricted.customer, sent, appeal, "key-1")
    appeals.acknowledge(make_staff(Role.CEM, name="Cara Experience"), sent, appeal)
    db.session.commit()
    expected = appeal.expected_outcome_on
    add_closure(admin, sent, date(2027, 4, 15), "Office move")
    db.session.commit()
    assert appeal.expected_outcome_on > expected
    sign_in(account)

    page = check_page(client.get(f"/appeals/{appeal.id}"))

    assert MOVED in page.get_text(" ", strip=True)


@pytest.mark.policy("9.1", "9.2")
def test_staff_see_why_the_last_day_of_an_appeal_drafted_before_a_closure_moved(
    client, sign_in, make_staff, restricted, admin
):
    appeal = appeals.start_draft(NOTIFIED, restricted)
    add_closure(admin, NOTIFIED, date(2027, 4, 15), "Office move")
    sent = datetime(2027, 4, 21, 10, tzinfo=UTC)  # the moved last day: in time
    appeals.save_answers(sent, appeal, appeals.Answers(grounds="The report was mistaken."))
    appeals.lodge(restricted.customer, sent, appeal, "key-1")
    db.session.commit()
    assert not appeal.late
    sign_in(make_staff(Role.CEM, name="Cara Experience"))

    page = check_page(client.get(f"/staff/appeals/{appeal.id}"))

    assert MOVED in page.get_text(" ", strip=True)
