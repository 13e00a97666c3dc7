"""The retention schedule page: administrators only, a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import db
from portal.auth.models import Role
from portal.panel.models import Outcome
from portal.retention import schedule
from portal.retention.run import carry_out
from portal.timeutil import from_london
from tests.conftest import csrf_token
from tests.factories import PASSWORD, portal_account
from tests.pages import check_page

URL = "/staff/admin/retention"


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def old_no_action(make_customer, make_incident, review_incident):
    def _make(day: date):
        reported = from_london(day, 12)
        incident = make_incident(make_customer(), now=reported)
        review_incident(
            incident,
            reported + timedelta(hours=2),
            outcome=Outcome.NO_ACTION,
            letter_summary="",
            reasons="Not unreasonable.",
        )
        return incident

    return _make


def test_an_administrator_sees_the_schedule_and_what_is_due(client, sign_in, admin, old_no_action):
    old_no_action(date(2022, 4, 1))
    sign_in(admin)
    page = check_page(client.get(URL))
    text = page.get_text(" ", strip=True)
    assert "2 years" in text
    assert "1 year after the warning stops counting" in text
    assert "6 years after the restriction ends" in text
    assert "1 to make anonymous" in text
    assert "has not been run yet" in text
    assert "never changed" in text


def test_the_last_run_is_shown_from_its_audit_event(
    app, client, sign_in, admin, old_no_action, clock
):
    old_no_action(date(2022, 4, 1))
    carry_out(schedule.plan(clock.now), clock.now, app.config["UPLOAD_DIR"])
    sign_in(admin)
    text = check_page(client.get(URL)).get_text(" ", strip=True)
    assert "1 made anonymous" in text
    assert "0 to make anonymous" in text


def test_the_page_takes_a_fixed_number_of_queries(
    client, sign_in, admin, old_no_action, count_queries
):
    sign_in(admin)
    old_no_action(date(2022, 4, 1))
    with count_queries() as few:
        check_page(client.get(URL))
    for day in (date(2022, 5, 1), date(2022, 6, 1), date(2022, 7, 1)):
        old_no_action(day)
    with count_queries() as many:
        check_page(client.get(URL))
    assert many.count == few.count


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_every_other_staff_role_is_refused(client, sign_in, make_staff, role):
    sign_in(make_staff(role))
    check_page(client.get(URL), 403)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


def test_a_customer_is_refused(client, make_customer, clock):
    customer = make_customer()
    db.session.add(portal_account(customer, "retention@test.example", PASSWORD, clock.now))
    db.session.commit()
    client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "retention@test.example",
            "password": PASSWORD,
        },
    )
    assert client.get("/home").status_code == 200
    response = client.get(URL)
    assert response.status_code in (302, 403)
    assert b"Retention schedule" not in response.data


def test_there_is_no_way_to_run_it_from_the_page(client, sign_in, admin):
    sign_in(admin)
    page = check_page(client.get(URL))
    assert page.find("main").find("form") is None
    assert client.post(URL, data={}).status_code in (400, 405)
