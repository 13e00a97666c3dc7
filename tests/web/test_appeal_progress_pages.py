"""The appeal's progress as the customer and staff read it: the day it arrived beside the day
its clock counts from (§9.1), and a missed step told as late, not in the future tense."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals import services as appeals
from portal.appeals.models import AppealChannel
from portal.auth.models import Role
from portal.timeutil import from_london
from tests.conftest import csrf_token
from tests.pages import check_page

PASSWORD = "a long enough password"


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


def _account(customer_id, now):
    db.session.add(
        CustomerAccount(
            customer_id=customer_id,
            email="cust@test.example",
            password_hash=accounts.hash_password(PASSWORD),
            activated_at=now,
            password_changed_at=now,
        )
    )
    db.session.commit()


def _customer_page(client, path):
    """Sign the customer in (again, on the clock as it now is) and fetch ``path``."""
    client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "cust@test.example",
            "password": PASSWORD,
        },
    )
    return check_page(client.get(path)).get_text(" ", strip=True)


def _staff_page(app, sign_in, user, path):
    staff = app.test_client()
    sign_in(user, on=staff)
    return check_page(staff.get(path)).get_text(" ", strip=True)


def _lodge(restriction, now, actor=None, **kw):
    appeal = appeals.start_draft(now, restriction)
    appeals.save_answers(now, appeal, appeals.Answers(grounds="It was unfair."))
    appeals.lodge(actor or restriction.customer, now, appeal, f"k{appeal.id}", **kw)
    db.session.commit()
    return appeal


@pytest.mark.policy("9.1")
def test_a_missed_acknowledgement_is_told_as_late_with_an_apology_and_a_new_date(
    app, client, sign_in, restriction_in_force, clock, cem
):
    clock.now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    _account(restriction.customer_id, clock.now)
    appeal = _lodge(restriction, datetime(2026, 12, 22, 10, tzinfo=UTC))  # ack due Thu 24 Dec
    path = f"/appeals/{appeal.id}"

    clock.now = datetime(2026, 12, 24, 15, tzinfo=UTC)  # the due date: not late yet
    page = _customer_page(client, path)
    assert "We will acknowledge it by Thursday 24 December 2026." in page
    assert "This is late" not in page and "We are sorry" not in page
    staff = _staff_page(app, sign_in, cem, f"/staff/appeals/{appeal.id}")
    assert "Overdue since" not in staff

    # Tue 29 Dec 2026: the first working day after (Christmas, the weekend, Boxing Day on Mon 28).
    clock.now = datetime(2026, 12, 29, 10, tzinfo=UTC)
    page = _customer_page(client, path)
    assert "We will acknowledge it by" not in page
    assert (
        "This is late: we should have acknowledged your appeal by Thursday 24 December 2026. "
        "We are sorry. We now aim to acknowledge it by Wednesday 30 December 2026."
    ) in page
    staff = _staff_page(app, sign_in, cem, f"/staff/appeals/{appeal.id}")
    assert "Overdue since Thursday 24 December 2026; now aim for Wednesday 30 December 2026." in (
        staff
    )
    tracker = _staff_page(app, sign_in, cem, "/staff/appeals")
    assert "Overdue since Thursday 24 December 2026" in tracker


@pytest.mark.policy("9.1")
def test_a_letter_that_arrived_on_a_saturday_shows_both_days_to_customer_and_staff(
    app, client, sign_in, restriction_in_force, clock, cem
):
    clock.now = datetime(2026, 11, 9, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    _account(restriction.customer_id, clock.now)
    clock.now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    appeal = _lodge(
        restriction,
        clock.now,
        actor=cem,
        channel=AppealChannel.LETTER,
        received_at=from_london(date(2026, 11, 21), 12, 0),
    )
    page = _customer_page(client, f"/appeals/{appeal.id}")
    assert (
        "Your appeal arrived on Saturday 21 November 2026, at the weekend, so we count our "
        "dates from Monday 23 November 2026, the next working day."
    ) in page
    staff = _staff_page(app, sign_in, cem, f"/staff/appeals/{appeal.id}")
    assert (
        "Arrived 12:00 on Saturday 21 November 2026; counted from Monday 23 November 2026, "
        "the next working day (a weekend)."
    ) in staff
    tracker = _staff_page(app, sign_in, cem, "/staff/appeals")
    assert "21 Nov 2026" in tracker and "counted from 23 Nov 2026" in tracker
    audit = _staff_page(app, sign_in, cem, "/staff/audit")
    assert (
        "Arrived 12:00 on Saturday 21 November 2026; counted from Monday 23 November 2026, "
        "the next working day (a weekend)."
    ) in audit
