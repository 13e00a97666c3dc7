"""Customer accounts: access codes, activation, sign-in, password reset, own data only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from limits import parse
from sqlalchemy import func, select

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import AccessCode, CustomerAccount
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.outbox.models import OutboxEmail
from tests.conftest import csrf_token

PASSWORD = "a long enough password"


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def issue_code(app, clock, cem):
    def _issue(customer):
        _record, code = accounts.issue_access_code(cem, clock.now, customer)
        db.session.commit()
        return code

    return _issue


def _activate(client, customer, code, email="cust@test.example", password=PASSWORD, confirm=None):
    return client.post(
        "/activate",
        data={
            "csrf_token": csrf_token(client, "/activate"),
            "reference": customer.reference,
            "code": code,
            "email": email,
            "password": password,
            "confirm": confirm if confirm is not None else password,
        },
    )


def test_staff_issue_a_code_shown_once_and_only_its_hash_is_kept(
    client, sign_in, cem, make_customer
):
    customer = make_customer()
    sign_in(cem)
    url = f"/staff/customers/{customer.id}"
    response = client.post(
        f"/staff/customers/{customer.id}/access-code", data={"csrf_token": csrf_token(client, url)}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = re.search(r'class="access-code">([A-Z0-9-]+)<', response.text).group(1)
    stored = db.session.scalar(select(AccessCode))
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.expires_at - stored.created_at == timedelta(days=28)


@pytest.mark.parametrize(
    "role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT, Role.CSM, Role.ADMIN]
)
def test_other_roles_cannot_issue_codes(client, sign_in, make_staff, make_customer, role):
    customer = make_customer()
    sign_in(make_staff(role))
    response = client.post(
        f"/staff/customers/{customer.id}/access-code",
        data={"csrf_token": csrf_token(client, "/staff/")},
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(AccessCode.id))) == 0


def test_activation_with_reference_and_code_signs_the_customer_in(
    client, make_customer, issue_code
):
    customer = make_customer()
    code = issue_code(customer)
    response = _activate(client, customer, code.lower().replace("-", " "))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/home")
    home = client.get("/home")
    assert home.status_code == 200
    assert customer.reference in home.text
    account = db.session.scalar(select(CustomerAccount))
    assert account.email == "cust@test.example"
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "customer.account_activated"
            )
        )
        == 1
    )


def test_a_code_works_once(client, app, make_customer, issue_code):
    customer = make_customer()
    code = issue_code(customer)
    assert _activate(client, customer, code).status_code == 303
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    again = _activate(client, customer, code, email="other@test.example")
    assert again.status_code == 422
    assert "access code is not right" in again.text


def test_a_code_expires_after_28_days(client, clock, make_customer, issue_code):
    customer = make_customer()
    code = issue_code(customer)
    clock.now += timedelta(days=28) - timedelta(seconds=1)
    assert _activate(client, customer, code).status_code == 303
    other = make_customer()
    code2 = issue_code(other)
    clock.now += timedelta(days=28)
    assert _activate(client, other, code2, email="b@test.example").status_code == 422


def test_reissuing_a_code_stops_the_earlier_one(client, make_customer, issue_code):
    customer = make_customer()
    first = issue_code(customer)
    second = issue_code(customer)
    assert _activate(client, customer, first).status_code == 422
    assert _activate(client, customer, second).status_code == 303


def test_another_customers_reference_does_not_open_with_my_code(client, make_customer, issue_code):
    mine, theirs = make_customer(), make_customer()
    code = issue_code(mine)
    response = _activate(client, theirs, code)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(CustomerAccount.id))) == 0


def test_repeated_wrong_codes_lock_activation_for_that_reference(client, app, make_customer):
    customer = make_customer()
    limit = parse(app.config["THROTTLE_ACTIVATE_REFERENCE"]).amount
    statuses = [_activate(client, customer, "WRONG-CODE0").status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [422] * limit
    assert statuses[-1] == 429


@pytest.mark.parametrize(
    ("field", "value", "confirm", "message"),
    [
        ("password", "short", None, "at least 10 characters"),
        ("confirm", PASSWORD, "something else entirely", "not the same"),
        ("email", "not-an-email", None, "email address"),
    ],
)
def test_activation_errors_sit_next_to_the_field_and_save_nothing(
    client, make_customer, issue_code, field, value, confirm, message
):
    customer = make_customer()
    code = issue_code(customer)
    kwargs = {"password": value} if field in ("password", "confirm") else {"email": value}
    if field == "confirm":
        kwargs = {"confirm": confirm}
    response = _activate(client, customer, code, **kwargs)
    assert response.status_code == 422
    assert message in response.text
    assert f'href="#{field}"' in response.text
    assert db.session.scalar(select(func.count(CustomerAccount.id))) == 0


@pytest.fixture
def account(app, clock, make_customer, issue_code):
    customer = make_customer()
    code = issue_code(customer)
    made = accounts.activate(customer.reference, code, "cust@test.example", PASSWORD, clock.now)
    db.session.commit()
    return made


def _sign_in(client, email="cust@test.example", password=PASSWORD):
    return client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client, "/sign-in"), "email": email, "password": password},
    )


def test_sign_in_and_out(client, account):
    assert _sign_in(client).status_code == 303
    assert client.get("/home").status_code == 200
    out = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    assert out.status_code == 303
    assert client.get("/home").status_code == 303


def test_sign_in_is_throttled(client, app, account):
    limit = parse(app.config["THROTTLE_SIGN_IN_ACCOUNT_ADDRESS"]).amount
    for _ in range(limit):
        assert _sign_in(client, password="wrong password!").status_code == 422
    assert _sign_in(client).status_code == 429


def test_signed_out_customers_go_to_sign_in(client):
    response = client.get("/home")
    assert response.status_code == 303
    assert "/sign-in?next=/home" in response.headers["Location"]


def test_staff_are_not_customers(client, sign_in, cem):
    sign_in(cem)
    assert client.get("/home").status_code == 303


def test_customers_are_not_staff(client, account):
    _sign_in(client)
    response = client.get("/staff/")
    assert response.status_code in (302, 303, 403)
    assert "Hello" not in response.text


def test_password_reset_by_email_link_works_once(client, clock, account):
    response = client.post(
        "/password-reset",
        data={"csrf_token": csrf_token(client, "/password-reset"), "email": "cust@test.example"},
    )
    assert response.status_code == 303
    email = db.session.scalar(select(OutboxEmail))
    assert email.to_address == "cust@test.example"
    # The link is built from the portal's public address, never from the request's Host.
    link = re.search(r"http://127\.0\.0\.1:5000(/password-reset/\S+)", email.body_text).group(1)
    page = client.get(link)
    assert page.status_code == 200
    new = "an even longer new password"
    done = client.post(
        link,
        data={"csrf_token": csrf_token(client, link), "password": new, "confirm": new},
    )
    assert done.status_code == 303
    assert _sign_in(client, password=new).status_code == 303
    assert client.get(link).status_code == 410  # the password changed, so the link is spent


def test_password_reset_link_works_for_an_hour_and_no_longer(client, clock, account):
    link = f"/password-reset/{accounts.reset_token(account, clock.now)}"
    clock.now += timedelta(hours=1)
    assert client.get(link).status_code == 200
    clock.now += timedelta(seconds=1)
    assert client.get(link).status_code == 410


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(
        "/password-reset",
        data={"csrf_token": csrf_token(client, "/password-reset"), "email": "nobody@test.example"},
        follow_redirects=True,
    )
    assert "If there is an account for that address" in response.text
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_a_forged_reset_token_is_refused(client):
    assert client.get("/password-reset/not-a-real-token").status_code == 410


def test_a_customer_sees_only_their_own_letters_and_arrangements(
    client, account, make_customer, make_arrangement
):
    mine = make_arrangement(account.customer)
    theirs = make_arrangement(make_customer())
    _sign_in(client)
    assert client.get(f"/arrangements/{mine.id}").status_code == 200
    assert client.get(f"/letters/{mine.letter_id}").status_code == 200
    assert client.get(f"/arrangements/{theirs.id}").status_code == 404
    assert client.get(f"/letters/{theirs.letter_id}").status_code == 404
    assert client.get(f"/letters/{theirs.letter_id}/pdf").status_code == 404
    assert client.get("/letters/99999999999").status_code == 404


def test_the_language_choice_changes_the_pages_not_the_letters(client, account):
    """Issue 16, point 15: the letters' language is asked separately (test_letters_language)."""
    _sign_in(client)
    response = client.post(
        "/language", data={"csrf_token": csrf_token(client, "/home"), "lang": "pl", "back": "/home"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/home")
    db.session.expire_all()
    assert account.customer.preferred_language == "en"
    page = client.get("/home")
    assert 'lang="pl"' in page.text


def test_customer_sessions_time_out_and_can_be_kept_alive(client, app, account):
    response = _sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie  # a timed session, not one that lasts until the browser closes
    page = client.get("/home")
    assert 'id="session-warning"' in page.text
    assert 'data-timeout-seconds="1800"' in page.text
    alive = client.post("/session/keep-alive", data={"csrf_token": csrf_token(client, "/home")})
    assert alive.status_code == 204


def test_keep_alive_is_refused_when_signed_out(client):
    response = client.post(
        "/session/keep-alive", data={"csrf_token": csrf_token(client, "/sign-in")}
    )
    assert response.status_code == 401
