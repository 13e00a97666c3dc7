"""Throttling that stops guessing and flooding without handing strangers a way to lock people out.

Wrong passwords count per account and address (5 in 15 minutes), per address over every account
(20 in 15 minutes) and per account over every address (50 an hour, never holding back a browser
the owner has signed in with). Reset emails: 3 an hour per address asked for, 10 per network
address. Wrong access codes: 5 per reference, 20 per network address, in 15 minutes.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import create_app, db
from portal.accounts import services as accounts
from portal.outbox.models import OutboxEmail
from tests.conftest import csrf_token
from tests.factories import PASSWORD

STRANGER = "203.0.113.9"
OWNER = "198.51.100.7"


def _staff_attempt(client, email, password, address):
    return client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(client, "/staff/sign-in"),
            "email": email,
            "password": password,
        },
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def fresh(app):
    """A new browser each time (no cookies: neither a session nor a known-browser mark)."""
    return app.test_client


def test_a_stranger_cannot_lock_the_owner_out_from_another_address(fresh, people):
    email = people.colleague.email
    for _ in range(5):
        assert _staff_attempt(fresh(), email, "guess", STRANGER).status_code == 422

    refused = _staff_attempt(fresh(), email, PASSWORD, STRANGER)
    assert refused.status_code == 429
    assert "Too many attempts to sign in. Try again after" in refused.text

    assert _staff_attempt(fresh(), email, PASSWORD, OWNER).status_code == 303


@pytest.mark.parametrize(
    ("wait", "status"), [(timedelta(minutes=14, seconds=59), 429), (timedelta(minutes=15), 303)]
)
def test_an_account_and_address_are_held_for_15_minutes_from_the_first_failure(
    fresh, clock, people, wait, status
):
    first = clock.now
    for _ in range(5):
        _staff_attempt(fresh(), people.colleague.email, "guess", STRANGER)
        clock.now += timedelta(seconds=10)
    clock.now = first + wait

    assert _staff_attempt(fresh(), people.colleague.email, PASSWORD, STRANGER).status_code == status


def test_the_message_says_when_to_try_again(fresh, clock, people):
    clock.now = clock.now.replace(hour=10, minute=4, second=0)  # 10:04 in London (GMT)
    for _ in range(5):
        _staff_attempt(fresh(), people.colleague.email, "guess", STRANGER)

    refused = _staff_attempt(fresh(), people.colleague.email, PASSWORD, STRANGER)
    assert "Try again after 23 Nov 2026, 10:19" in refused.text


def test_one_address_cannot_try_many_accounts(fresh, make_staff):
    staff = [make_staff() for _ in range(13)]
    # 20 wrong passwords spread over 12 accounts, under 5 for each...
    for n in range(20):
        response = _staff_attempt(fresh(), staff[n % 12].email, "guess", STRANGER)
        assert response.status_code == 422, n
    # ...and the address is held, even for a thirteenth account with its right password.
    assert _staff_attempt(fresh(), staff[12].email, PASSWORD, STRANGER).status_code == 429
    assert _staff_attempt(fresh(), staff[12].email, PASSWORD, OWNER).status_code == 303


def test_the_right_password_clears_the_count_for_that_account_and_address(fresh, people):
    for _ in range(4):
        _staff_attempt(fresh(), people.colleague.email, "guess", OWNER)
    assert _staff_attempt(fresh(), people.colleague.email, PASSWORD, OWNER).status_code == 303
    for _ in range(4):
        assert _staff_attempt(fresh(), people.colleague.email, "guess", OWNER).status_code == 422
    assert _staff_attempt(fresh(), people.colleague.email, PASSWORD, OWNER).status_code == 303


def _many_addresses_guess(fresh, email, times, path="/staff/sign-in"):
    for n in range(times):
        client = fresh()
        response = client.post(
            path,
            data={"csrf_token": csrf_token(client, path), "email": email, "password": "guess"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n % 250 + 1}"},
        )
        assert response.status_code == 422, n


def test_guesses_from_many_addresses_hold_back_new_browsers_but_not_the_owners(app, fresh, people):
    owners_browser = fresh()
    assert (
        _staff_attempt(owners_browser, people.colleague.email, PASSWORD, OWNER).status_code == 303
    )
    owners_browser.post(
        "/staff/sign-out", data={"csrf_token": csrf_token(owners_browser, "/staff/")}
    )

    _many_addresses_guess(fresh, people.colleague.email, 50)

    assert (
        _staff_attempt(fresh(), people.colleague.email, PASSWORD, "192.0.2.251").status_code == 429
    )
    # The browser the owner signed in with before is not held back.
    assert (
        _staff_attempt(owners_browser, people.colleague.email, PASSWORD, OWNER).status_code == 303
    )


def _customer_attempt(client, password, address, email="cust@test.example"):
    return client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client, "/sign-in"), "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_customers_cannot_be_locked_out_by_a_stranger_either(fresh, account):
    for _ in range(5):
        assert _customer_attempt(fresh(), "guess", STRANGER).status_code == 422
    assert _customer_attempt(fresh(), PASSWORD, STRANGER).status_code == 429
    assert _customer_attempt(fresh(), PASSWORD, OWNER).status_code == 303


def test_a_password_reset_lets_the_owner_in_from_a_new_browser(fresh, clock, account):
    _many_addresses_guess(fresh, "cust@test.example", 50, path="/sign-in")
    assert _customer_attempt(fresh(), PASSWORD, OWNER).status_code == 429

    reset = fresh()
    link = f"/password-reset/{accounts.reset_token(account, clock.now)}"
    reset.post(
        link,
        data={
            "csrf_token": csrf_token(reset, link),
            "password": "brand new pass",
            "confirm": "brand new pass",
        },
        environ_base={"REMOTE_ADDR": OWNER},
    )

    assert _customer_attempt(fresh(), "brand new pass", OWNER).status_code == 303


def _ask_reset(client, email, address):
    return client.post(
        "/password-reset",
        data={"csrf_token": csrf_token(client, "/password-reset"), "email": email},
        environ_base={"REMOTE_ADDR": address},
    )


def _emails_to(address: str) -> int:
    return db.session.scalar(
        select(func.count(OutboxEmail.id)).where(OutboxEmail.to_address == address)
    )


def test_reset_emails_to_one_address_are_limited_to_three_an_hour(fresh, clock, account):
    for n in range(3):
        assert _ask_reset(fresh(), "cust@test.example", f"192.0.2.{n + 1}").status_code == 303
    refused = _ask_reset(fresh(), "cust@test.example", "192.0.2.9")

    assert refused.status_code == 429
    assert "Too many attempts. Try again after" in refused.text
    assert _emails_to("cust@test.example") == 3

    clock.now += timedelta(hours=1)
    assert _ask_reset(fresh(), "cust@test.example", "192.0.2.9").status_code == 303
    assert _emails_to("cust@test.example") == 4


def test_one_address_cannot_ask_for_resets_for_many_people(fresh, account):
    for n in range(10):
        assert _ask_reset(fresh(), f"someone{n}@test.example", STRANGER).status_code == 303
    assert _ask_reset(fresh(), "cust@test.example", STRANGER).status_code == 429
    assert _emails_to("cust@test.example") == 0
    assert _ask_reset(fresh(), "cust@test.example", OWNER).status_code == 303


def _activate(client, reference, code, address):
    return client.post(
        "/activate",
        data={
            "csrf_token": csrf_token(client, "/activate"),
            "reference": reference,
            "code": code,
            "email": "new@test.example",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_access_codes_from_one_address_are_limited(fresh, make_customer):
    customers = [make_customer() for _ in range(5)]
    for n in range(20):
        assert (
            _activate(fresh(), customers[n % 5].reference, "WRONG-CODE0", STRANGER).status_code
            == 422
        )
    assert _activate(fresh(), customers[0].reference, "WRONG-CODE0", STRANGER).status_code == 429
    assert _activate(fresh(), make_customer().reference, "WRONG-CODE0", OWNER).status_code == 422


@pytest.mark.skipif(
    os.environ.get("RATELIMIT_TEST_REDIS", "redis://127.0.0.1:6379/15") == "off",
    reason="RATELIMIT_TEST_REDIS=off",
)
def test_servers_sharing_redis_share_their_counts(app, _schema, database_url, people):
    import redis

    url = os.environ.get("RATELIMIT_TEST_REDIS", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis at {url}: {exc}")
        pytest.skip(f"no Redis at {url}")
    redis.Redis.from_url(url).flushdb()

    def server():
        return create_app(
            {
                "DATABASE_URL": database_url,
                "TESTING": True,
                "RATELIMIT_STORAGE_URI": url,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            },
            engine=_schema,
        )

    first, second = server(), server()
    for n in range(5):
        target = first if n % 2 else second
        assert (
            _staff_attempt(
                target.test_client(), people.colleague.email, "guess", STRANGER
            ).status_code
            == 422
        )
    assert (
        _staff_attempt(first.test_client(), people.colleague.email, PASSWORD, STRANGER).status_code
        == 429
    )
    assert (
        _staff_attempt(second.test_client(), people.colleague.email, PASSWORD, STRANGER).status_code
        == 429
    )
    redis.Redis.from_url(url).flushdb()


def test_a_forged_forwarded_for_header_does_not_dodge_the_count(fresh, people):
    for n in range(5):
        client = fresh()
        response = client.post(
            "/staff/sign-in",
            data={
                "csrf_token": csrf_token(client, "/staff/sign-in"),
                "email": people.colleague.email,
                "password": "guess",
            },
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
            environ_base={"REMOTE_ADDR": STRANGER},
        )
        assert response.status_code == 422
    assert _staff_attempt(fresh(), people.colleague.email, PASSWORD, STRANGER).status_code == 429


def test_behind_one_proxy_the_client_address_is_the_one_it_forwards(_schema, database_url, people):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "PROXY_COUNT": 1,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
        engine=_schema,
    )

    def attempt(password, client_address):
        client = app.test_client()
        return client.post(
            "/staff/sign-in",
            data={
                "csrf_token": csrf_token(client, "/staff/sign-in"),
                "email": people.colleague.email,
                "password": password,
            },
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # the proxy
        )

    for _ in range(5):
        assert attempt("guess", STRANGER).status_code == 422
    assert attempt(PASSWORD, STRANGER).status_code == 429
    assert attempt(PASSWORD, OWNER).status_code == 303
