"""Staff record the language a customer wants letters in; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from tests.conftest import csrf_token


@pytest.fixture
def customer(make_customer):
    return make_customer(forename="Julia", surname="Nowak")


def _url(customer) -> str:
    return f"/staff/customers/{customer.id}/language"


def _send(client, customer, language, token=True):
    data = {"language": language}
    if token:
        data["csrf_token"] = csrf_token(client, _url(customer))
    return client.post(_url(customer), data=data)


@pytest.mark.parametrize("role", list(Role))
def test_any_member_of_staff_records_the_language(client, sign_in, make_staff, customer, role):
    sign_in(make_staff(role))
    page = client.get(_url(customer))
    assert page.status_code == 200
    assert "Polish (Polski)" in page.text and "Urdu (اردو)" in page.text

    response = _send(client, customer, "pl")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/customers/{customer.id}")
    db.session.refresh(customer)
    assert customer.preferred_language == "pl"
    record = client.get(response.headers["Location"])
    assert "Letters to this customer will be in Polish (Polski), with the English" in record.text
    assert "Polish (Polski) (with the English alongside)" in record.text
    assert f'href="/staff/customers/{customer.id}/language"' in record.text
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "customer.language_set")
    ).all()
    assert (event.entity_id, event.before, event.after) == (
        customer.id,
        {"language": "en"},
        {"language": "pl"},
    )


@pytest.mark.parametrize("language", ["", "fr", "pl' OR 1=1", "ü" * 5000])
def test_a_language_the_portal_does_not_have_is_refused(
    client, sign_in, make_staff, customer, language
):
    sign_in(make_staff(Role.COLLEAGUE))
    response = _send(client, customer, language)
    assert response.status_code == 422
    assert 'href="#language-0"' in response.text  # the error summary leads to the choices
    db.session.refresh(customer)
    assert customer.preferred_language == "en"


def test_no_change_writes_no_audit_event(client, sign_in, make_staff, customer):
    sign_in(make_staff(Role.COLLEAGUE))
    assert _send(client, customer, "en").status_code == 303
    assert db.session.scalars(select(AuditEvent.id)).all() == []


def test_without_its_form_token_nothing_changes(client, sign_in, make_staff, customer):
    sign_in(make_staff(Role.COLLEAGUE))
    assert _send(client, customer, "ur", token=False).status_code == 400
    db.session.refresh(customer)
    assert customer.preferred_language == "en"


def test_signed_out_visitors_are_sent_to_sign_in(client, customer):
    response = client.get(_url(customer))
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("ident", ["0", "999999", "99999999999999999999"])
def test_a_customer_who_does_not_exist_is_not_found(client, sign_in, make_staff, ident):
    sign_in(make_staff(Role.COLLEAGUE))
    assert client.get(f"/staff/customers/{ident}/language").status_code == 404


def test_the_page_as_an_htmx_request_is_still_the_whole_page(client, sign_in, make_staff, customer):
    sign_in(make_staff(Role.COLLEAGUE))
    page = client.get(_url(customer), headers={"HX-Request": "true"})
    assert page.status_code == 200 and "<html" in page.text
