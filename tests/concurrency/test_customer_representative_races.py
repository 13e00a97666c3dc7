"""Representatives under real concurrent requests: one "Add a representative" form sent many
times at once records one, and of several colleagues ending the same one at once, one does and
the others are told (§4.5)."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.customers.models import CustomerRepresentative
from portal.customers.representatives import RepresentativeDetails, add_representative
from tests.concurrency.conftest import N, committed, one_winner, prepared, race

pytestmark = pytest.mark.concurrency


def form_fields(browser, page: str) -> dict:
    """The hidden fields (CSRF token and submission key) of the form on ``page``."""
    answer = browser.get(page)
    assert answer.status == 200, (page, answer.status)
    form = BeautifulSoup(answer.text, "html.parser").find("form", action=page)
    assert form is not None, f"no form posting to {page}"
    return {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}


@pytest.mark.policy("4.5")
def test_one_form_sent_many_times_at_once_records_one_representative(
    live, signed_in, make_staff, make_customer
):
    customer = make_customer(forename="Race", surname="Represented")
    path = f"/staff/customers/{customer.id}/representatives/new"
    browser = signed_in(make_staff(name="Double Clicker"))
    hidden = form_fields(browser, path)
    assert hidden.get("submission_key")
    data = {
        **hidden,
        "name": "Asha Advocate",
        "relation": "advocate",
        "consent_given_on": "2026-11-20",
        "consent_method": "by_phone",
        "consent_confirmed": "y",
    }

    answers = race([lambda: browser.request("POST", path, data) for _ in range(N)])

    assert [a.status for a in answers] == [303] * N, [a.text[:300] for a in answers]
    where = CustomerRepresentative.customer_id == customer.id
    assert committed(CustomerRepresentative, where) == 1
    added = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "representative.added")
    ).all()
    assert len(added) == 1
    assert {a.location.split("#")[0].rsplit("/", 1)[-1] for a in answers} == {str(customer.id)}


@pytest.mark.policy("4.5")
def test_of_colleagues_ending_one_representative_at_once_one_does(
    live, signed_in, make_staff, make_customer, clock
):
    customer = make_customer(forename="Race", surname="Ended")
    made = add_representative(
        make_staff(name="Recorder"),
        clock.now,
        customer,
        RepresentativeDetails(
            name="Sam Sister",
            relation="family_or_friend",
            consent_given_on=date(2026, 11, 1),
            consent_method="in_person",
            consent_confirmed=True,
        ),
    )
    db.session.commit()
    path = f"/staff/customers/{customer.id}/representatives/{made.id}/end"
    sends = [
        prepared(
            signed_in(make_staff(name=f"Ender {n}")),
            path,
            {"because": "consent_withdrawn", "reason": f"Told by ender {n}"},
        )
        for n in range(N)
    ]

    answers = race(sends)

    winner, told = one_winner(answers)
    assert all("already stopped acting" in a.text for a in told)
    # Each loser sees what they typed, so nothing is lost.
    assert all("Told by ender" in a.text for a in told)
    db.session.rollback()
    db.session.expire_all()
    stored = db.session.get(CustomerRepresentative, made.id)
    assert stored.ended_at is not None
    ended = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "representative.ended")
    ).all()
    assert len(ended) == 1 and ended[0].after["reason"] == stored.end_reason
