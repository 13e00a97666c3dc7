"""Customer records under real concurrent requests: one "Add a customer" form sent many times
at once adds one customer, and of two people saving the same record at once one is told."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import db
from portal.customers.models import Customer
from tests.concurrency.conftest import N, committed, race
from tests.web.customer_forms import edit_customer_form, new_customer_form

pytestmark = pytest.mark.concurrency

NEW = "/staff/customers/new"


def hidden_fields(browser, page: str) -> dict:
    """The hidden fields (CSRF token, submission key or version) of the form on ``page``."""
    answer = browser.get(page)
    assert answer.status == 200, (page, answer.status)
    form = BeautifulSoup(answer.text, "html.parser").find("form", action=page)
    assert form is not None, f"no form posting to {page}"
    return {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}


@pytest.mark.policy("3.1")
def test_one_new_customer_form_sent_many_times_at_once_adds_one_customer(
    live, signed_in, make_staff
):
    browser = signed_in(make_staff(name="Double Clicker"))
    hidden = hidden_fields(browser, NEW)
    assert hidden.get("submission_key")
    data = {**new_customer_form(), **hidden}

    answers = race([lambda: browser.request("POST", NEW, data) for _ in range(N)])

    assert [a.status for a in answers] == [303] * N, [a.text[:300] for a in answers]
    assert committed(Customer, Customer.surname == "Newcomer") == 1
    made = db.session.scalar(select(Customer).where(Customer.surname == "Newcomer"))
    # Everyone is sent to the one customer added.
    assert {a.location.rsplit("/", 1)[-1] for a in answers} == {str(made.id)}


@pytest.mark.policy("3.1")
def test_of_two_people_saving_one_record_at_once_one_is_told(
    live, signed_in, make_staff, make_customer
):
    customer = make_customer(forename="Race", surname="Record")
    path = f"/staff/customers/{customer.id}/edit"
    sends = []
    for n in range(2):
        browser = signed_in(make_staff(name=f"Editor {n}"))
        hidden = hidden_fields(browser, path)
        assert hidden["version"] == "1"
        data = {
            **edit_customer_form(customer, surname=f"Editor{n}", phone=f"0161 496 000{n}"),
            **hidden,
        }
        sends.append(lambda b=browser, d=data: b.request("POST", path, d))

    answers = race(sends)

    assert sorted(a.status for a in answers) == [303, 409], [a.text[:300] for a in answers]
    told = next(a for a in answers if a.status == 409)
    assert "Someone else saved changes" in told.text
    winner = answers.index(next(a for a in answers if a.status == 303))
    db.session.rollback()
    db.session.expire_all()
    saved = db.session.get(Customer, customer.id)
    # The winner's edit is whole: nothing of the other is mixed in.
    assert (saved.surname, saved.phone, saved.version) == (
        f"Editor{winner}",
        f"0161 496 000{winner}",
        2,
    )
