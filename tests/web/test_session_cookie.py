"""The session cookie is sent again when it changes or the sign-in session notes activity (at
most once a minute), not with every page, and never lapses before the server would end it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from itsdangerous import TimestampSigner

from portal.auth.sessions import TOUCH_EVERY
from tests.conftest import csrf_token
from tests.web.test_sessions import _customer_sign_in, _staff_sign_in


def _session_cookies(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]


def _expires(header: str) -> datetime:
    return parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))


@pytest.fixture
def signed_on_the_clock(monkeypatch, clock):
    """Cookies signed and their age checked on the test's clock, as the server's sessions are."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(clock.now.timestamp()))


def test_a_page_within_the_minute_sends_no_cookie(client, clock, account):
    _customer_sign_in(client)
    client.get("/home")  # the first page may add the form's CSRF token to the cookie
    clock.now += TOUCH_EVERY - timedelta(seconds=1)

    again = client.get("/home")

    assert again.status_code == 200
    assert _session_cookies(again) == []


def test_the_cookie_is_sent_again_when_activity_is_noted_after_a_minute(
    app, client, clock, account
):
    _customer_sign_in(client)
    client.get("/home")
    assert _session_cookies(client.get("/home")) == []
    clock.now += TOUCH_EVERY

    touched = client.get("/home")

    assert touched.status_code == 200
    [header] = _session_cookies(touched)
    # Pages up to a minute later do not send it again, so it outlives the idle limit by that.
    lifetime = _expires(header) - datetime.now(UTC)
    idle = app.config["PERMANENT_SESSION_LIFETIME"]
    assert idle + TOUCH_EVERY - timedelta(seconds=30) < lifetime <= idle + TOUCH_EVERY
    assert _session_cookies(client.get("/home")) == []


def test_keep_alive_and_a_language_change_send_the_cookie(client, clock, account):
    _customer_sign_in(client)
    client.get("/home")

    kept = client.post("/session/keep-alive", data={"csrf_token": csrf_token(client, "/home")})
    assert kept.status_code == 204
    assert _session_cookies(kept)

    chosen = client.post(
        "/language", data={"csrf_token": csrf_token(client, "/home"), "lang": "ur"}
    )
    assert _session_cookies(chosen)
    assert 'lang="ur"' in client.get("/home").text


def test_a_customer_back_just_after_the_idle_limit_is_told_why(
    app, client, clock, account, signed_on_the_clock
):
    """The cookie was last sent at sign-in; pages since did not send it again. Back half a
    minute after the idle limit, it still opens, so the customer is told what happened."""
    _customer_sign_in(client)
    signed_in_at = clock.now
    client.get("/home")  # the form's CSRF token goes into the cookie: sent again, now
    clock.now += TOUCH_EVERY - timedelta(seconds=1)
    assert _session_cookies(client.get("/home")) == []
    clock.now = signed_in_at + app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(seconds=30)

    response = client.get("/home")

    assert response.status_code in (302, 303)
    page = client.get(response.headers["Location"])
    assert "You were signed out because you had not used the portal for a while" in page.text


@pytest.mark.parametrize(
    ("idle", "signed_in"),
    [(timedelta(minutes=59, seconds=59), True), (timedelta(minutes=60), False)],
)
def test_a_staff_cookie_is_honoured_for_the_staff_idle_limit(
    client, clock, people, signed_on_the_clock, idle, signed_in
):
    _staff_sign_in(client, people.colleague.email)
    clock.now += idle

    response = client.get("/staff/")

    assert (response.status_code == 200) is signed_in
    if not signed_in:  # the server ended it, and the cookie is still there to say why
        page = client.get(response.headers["Location"])
        assert "You were signed out because you had not used the portal for a while" in page.text
