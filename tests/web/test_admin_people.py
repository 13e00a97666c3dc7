"""Administrators manage staff accounts and the organisation's details."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role, User
from portal.incidents.models import Incident
from portal.organisation.services import get_organisation
from tests.pages import check_page, errors_on

PAGES = ["/staff/admin/users", "/staff/admin/organisation"]


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_render_for_an_administrator(client, sign_in, admin, url):
    sign_in(admin)
    check_page(client.get(url))


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_refuse_every_other_role(client, sign_in, make_staff, role, url):
    sign_in(make_staff(role))
    check_page(client.get(url), 403)
    assert client.post(url, data={}).status_code in (400, 403)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/admin/users")
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


def test_add_a_member_of_staff(client, sign_in, admin, token):
    sign_in(admin)
    response = client.post(
        "/staff/admin/users",
        data={
            "csrf_token": token("/staff/admin/users"),
            "name": "Nina Officer",
            "email": "Nina.Officer@Test.example",
            "job_title": "Housing Officer",
            "line_manager_id": "0",
            "roles": ["colleague", "panel"],
            "password": "a long temporary password",
        },
    )
    assert response.status_code == 303
    nina = db.session.scalar(select(User).where(User.email == "nina.officer@test.example"))
    assert nina.roles == {Role.COLLEAGUE, Role.PANEL}
    assert nina.line_manager_id is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))


def test_adding_staff_with_bad_input_says_what_is_wrong_and_saves_nothing(
    client, sign_in, admin, token
):
    sign_in(admin)
    before = db.session.scalar(select(func.count(User.id)))
    response = client.post(
        "/staff/admin/users",
        data={
            "csrf_token": token("/staff/admin/users"),
            "name": "Ünïcödé \u202e name 🙂",
            "email": admin.email,
            "line_manager_id": "999999",
            "roles": ["emperor"],
            "password": "short",
        },
    )
    soup = check_page(response, 422)
    errors = errors_on(soup)
    # Checkboxes are linked from the error summary through their first option.
    assert "roles-0" in errors and soup.find(id="roles-0")
    assert db.session.scalar(select(func.count(User.id))) == before


def test_an_administrator_cannot_remove_their_own_access(client, sign_in, admin, token):
    sign_in(admin)
    url = f"/staff/admin/users/{admin.id}"
    response = client.post(
        url, data={"csrf_token": token(url), "roles": ["colleague"], "active": "y"}
    )
    soup = check_page(response, 422)
    assert "cannot remove your own administrator access" in errors_on(soup)["roles-0"]


def test_changing_roles_and_deactivating(client, sign_in, admin, make_staff, token):
    person = make_staff(Role.COLLEAGUE)
    sign_in(admin)
    url = f"/staff/admin/users/{person.id}"
    response = client.post(url, data={"csrf_token": token(url), "roles": ["colleague", "glt"]})
    assert response.status_code == 303
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.roles == {Role.COLLEAGUE, Role.GLT}
    assert person.active is False


def test_unknown_user_is_not_found(client, sign_in, admin):
    sign_in(admin)
    check_page(client.get("/staff/admin/users/999999"), 404)


@pytest.mark.policy("8.9")
def test_policy_enclosure_and_deadline_settings_are_configured_not_coded(
    client, sign_in, admin, token, make_customer, make_incident, clock
):
    incident = make_incident(make_customer())
    assert incident.review_due_on == clock.now.date() + timedelta(days=5)
    sign_in(admin)
    url = "/staff/admin/organisation"
    response = client.post(
        url,
        data={
            "csrf_token": token(url),
            "name": "Test Homes",
            "policy_title": "Customer Conduct Policy v2",
            "policy_url": "https://homes.example/conduct.pdf",
            # §4.6: never saved blank (tests/web/test_always_open_pages.py).
            "complaints_contact": "Complaints: 0161 000 0001",
            "emergency_contact": "Emergency repairs: 0161 000 0999",
            "cutoff_time": "16:30",
            "panel_review_days": "5",
            "panel_review_unit": "working",
            "postal_delivery_days": "3",
        },
    )
    assert response.status_code == 303
    org = get_organisation()
    assert org.policy_url == "https://homes.example/conduct.pdf"
    assert org.cutoff_time == time(16, 30)
    assert org.postal_delivery_days == 3
    # Reported Mon 23 Nov 2026 10:00: five working days later is Mon 30 Nov 2026.
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).review_due_on.isoformat() == "2026-11-30"


def test_organisation_form_refuses_bad_values(client, sign_in, admin, token):
    sign_in(admin)
    url = "/staff/admin/organisation"
    response = client.post(
        url,
        data={
            "csrf_token": token(url),
            "name": "",
            "policy_title": "Policy",
            "policy_url": "javascript:alert(1)",
            "cutoff_time": "25:99",
            "panel_review_days": "abc",
            "panel_review_unit": "fortnights",
        },
    )
    errors = errors_on(check_page(response, 422))
    # Radios are linked from the error summary through their first option.
    assert {"name", "cutoff_time", "panel_review_days", "panel_review_unit-0"} <= set(errors)
