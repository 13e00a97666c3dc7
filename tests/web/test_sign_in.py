"""Signing in and out: plain messages, throttling after repeated failures, safe redirects."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.auth.services import create_user
from tests.factories import PASSWORD
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error


@pytest.fixture
def attempt(client, token):
    """Try to sign in from a fresh browser; ``next`` is where sign-in was asked for."""

    def _attempt(email: str, password: str, next: str | None = None):
        with client.session_transaction() as flask_session:
            flask_session.clear()
        return client.post(
            "/staff/sign-in",
            query_string={"next": next} if next is not None else None,
            data={"csrf_token": token("/staff/sign-in"), "email": email, "password": password},
        )

    return _attempt


def signed_in_as(client) -> str | None:
    response = client.get("/staff/")
    if response.status_code != 200:
        return None
    return check_page(response).find("footer").get_text(" ", strip=True)


def test_staff_sign_in_with_their_email_and_password(client, attempt, people):
    response = attempt(people.colleague.email.upper(), PASSWORD)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/staff/"
    assert "Signed in as Colin Colleague" in signed_in_as(client)


@pytest.mark.parametrize("email", ["staff-unknown@test.example", None])
def test_a_wrong_password_or_unknown_email_gets_the_same_plain_message(
    client, attempt, people, email
):
    response = attempt(email or people.colleague.email, "not the password")
    assert_field_error(response, "email", "The email address or password is not right")
    assert signed_in_as(client) is None


def test_empty_fields_are_named(client, attempt):
    response = attempt("", "")
    assert_field_error(response, "email", "Enter your email address")
    assert_field_error(response, "password", "Enter your password")


def test_a_deactivated_account_cannot_sign_in(client, attempt, app, clock):
    from portal import db

    create_user("gone@test.example", "Gone Person", PASSWORD, [], clock.now, active=False)
    db.session.commit()
    assert_field_error(attempt("gone@test.example", PASSWORD), "email")
    assert signed_in_as(client) is None


def test_five_failures_lock_the_address_with_a_message_until_the_window_passes(
    client, attempt, people, clock
):
    email = people.colleague.email
    for _ in range(5):
        assert attempt(email, "guess").status_code == 422

    locked = attempt(email, PASSWORD)  # even the right password, while locked
    soup = check_page(locked, 429)
    assert soup.title.get_text().startswith("Error:")
    assert "Too many attempts to sign in. Try again after" in errors_on(soup)[""]
    assert signed_in_as(client) is None

    clock.now += timedelta(minutes=16)
    assert attempt(email, PASSWORD).status_code == 303
    assert "Colin Colleague" in signed_in_as(client)


def test_the_lock_counts_an_address_however_it_is_typed(client, attempt, people):
    email = people.colleague.email
    for typed in (email, email.upper(), f"  {email} ", email.title(), email):
        attempt(typed, "guess")
    assert attempt(email, PASSWORD).status_code == 429


def test_failures_for_unknown_addresses_are_throttled_too(client, attempt):
    for _ in range(5):
        attempt("nobody@test.example", "guess")
    assert attempt("nobody@test.example", "guess").status_code == 429


@pytest.mark.parametrize(
    "next_url",
    ["/staff/register", "/staff/customers?q=jones", "/staff", "/staff/incidents/new?customer=1"],
)
def test_sign_in_returns_to_the_staff_page_that_was_asked_for(attempt, people, next_url):
    response = attempt(people.colleague.email, PASSWORD, next=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/staff/",
        "//evil.example/staff/",
        "///evil.example/staff/",
        "/\\evil.example/staff/",
        "/staff\\@evil.example",
        "javascript:alert(1)//staff/",
        "/",
        "/staffing-elsewhere",
        "/staff/\r\nSet-Cookie: stolen=1",
        "/staff/\ttab",
        "",
    ],
)
def test_sign_in_does_not_follow_other_next_urls(attempt, people, next_url):
    response = attempt(people.colleague.email, PASSWORD, next=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"


def test_asking_for_a_staff_page_signed_out_comes_back_to_it_after_sign_in(client, people, token):
    response = client.get("/staff/register?q=terry")
    sign_in_url = response.headers["Location"]
    form = check_page(client.get(sign_in_url)).find("form", attrs={"method": "post"})
    response = client.post(
        form["action"],
        data={
            "csrf_token": token(sign_in_url),
            "email": people.panel.email,
            "password": PASSWORD,
        },
    )
    # The Panel give a code from their authenticator app next (tests/web/test_two_factor.py),
    # and then go on to the page they asked for.
    location = urlsplit(response.headers["Location"])
    assert location.path == "/staff/sign-in/code"
    assert parse_qs(location.query) == {"next": ["/staff/register?q=terry"]}


def test_signing_out(client, act_as, post):
    act_as("colleague")
    response = post("/staff/sign-out")
    assert response.status_code == 303
    page = check_page(client.get(response.headers["Location"]))
    assert "You have signed out." in page.get_text()
    assert signed_in_as(client) is None
    check_page(client.get("/staff/sign-out"), 405)
