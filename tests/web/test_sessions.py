"""Sessions the server can end: a copied cookie opens nothing once its session has ended."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts import services as accounts
from portal.audit.models import AuditEvent
from portal.auth.models import SignInSession
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A stranger's browser holding a copy of someone's session cookie."""
    stranger = app.test_client()
    stranger.set_cookie("session", cookie)
    return stranger


def _staff_sign_in(client, email: str, password: str = PASSWORD):
    return client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(client, "/staff/sign-in"),
            "email": email,
            "password": password,
        },
    )


def _customer_sign_in(client, email="cust@test.example", password=PASSWORD):
    return client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client, "/sign-in"), "email": email, "password": password},
    )


def _signed_out(response) -> bool:
    return response.status_code in (302, 303) and "sign-in" in response.headers["Location"]


def test_a_panel_cookie_copied_before_sign_out_opens_nothing_after(app, client, sign_in, people):
    sign_in(people.panel)
    assert client.get("/staff/register").status_code == 200
    copied = _cookie(client)

    client.post("/staff/sign-out", data={"csrf_token": csrf_token(client, "/staff/")})

    assert _signed_out(_replay(app, copied).get("/staff/register"))
    ended = db.session.scalar(
        select(SignInSession).where(SignInSession.staff_user_id == people.panel.id)
    )
    assert ended.ended_reason == "signed_out"


def test_a_customer_cookie_copied_before_sign_out_opens_nothing_after(app, client, account):
    assert _customer_sign_in(client).status_code == 303
    assert client.get("/home").status_code == 200
    copied = _cookie(client)

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/home")})

    assert _signed_out(_replay(app, copied).get("/home"))


def test_a_password_reset_signs_the_account_out_everywhere(app, client, clock, account):
    assert _customer_sign_in(client).status_code == 303
    elsewhere = app.test_client()
    assert _customer_sign_in(elsewhere).status_code == 303

    reset = app.test_client()
    link = f"/password-reset/{accounts.reset_token(account, clock.now)}"
    response = reset.post(
        link,
        data={
            "csrf_token": csrf_token(reset, link),
            "password": "a new password!",
            "confirm": "a new password!",
        },
    )

    assert response.status_code == 303
    assert _signed_out(client.get("/home"))
    assert _signed_out(elsewhere.get("/home"))
    assert _customer_sign_in(app.test_client(), password="a new password!").status_code == 303


def test_disabling_a_staff_account_ends_its_sessions_for_good(app, client, sign_in, people):
    colleague = app.test_client()
    assert _staff_sign_in(colleague, people.colleague.email).status_code == 303
    assert colleague.get("/staff/").status_code == 200

    sign_in(people.admin)
    url = f"/staff/admin/users/{people.colleague.id}"
    client.post(url, data={"csrf_token": csrf_token(client, url), "roles": ["colleague"]})
    assert _signed_out(colleague.get("/staff/"))

    # Switching the account back on does not bring the old session back.
    client.post(
        url, data={"csrf_token": csrf_token(client, url), "roles": ["colleague"], "active": "y"}
    )
    assert _signed_out(colleague.get("/staff/"))
    reasons = db.session.scalars(
        select(SignInSession.ended_reason).where(SignInSession.staff_user_id == people.colleague.id)
    ).all()
    assert reasons == ["account_disabled"]


def test_an_administrator_signs_someone_out_everywhere(app, client, sign_in, people):
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        assert _staff_sign_in(browser, people.colleague.email).status_code == 303

    sign_in(people.admin)
    url = f"/staff/admin/users/{people.colleague.id}"
    response = client.post(
        f"{url}/sign-out-everywhere", data={"csrf_token": csrf_token(client, url)}
    )

    assert response.status_code == 303
    assert all(_signed_out(browser.get("/staff/")) for browser in browsers)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.signed_out_everywhere")
    )
    assert event.entity_id == people.colleague.id
    assert event.after == {"sessions_ended": 2}
    # And they can sign in again.
    assert _staff_sign_in(app.test_client(), people.colleague.email).status_code == 303


@pytest.mark.parametrize("role", ["colleague", "panel", "glt", "cem", "line_manager"])
def test_only_administrators_sign_people_out_everywhere(client, sign_in, people, role):
    sign_in(getattr(people, role))
    response = client.post(
        f"/staff/admin/users/{people.other_colleague.id}/sign-out-everywhere",
        data={"csrf_token": csrf_token(client, "/staff/")},
    )
    assert response.status_code == 403


def test_changing_a_password_signs_out_everywhere_else_but_here(app, client, people):
    other = app.test_client()
    assert _staff_sign_in(other, people.colleague.email).status_code == 303
    assert _staff_sign_in(client, people.colleague.email).status_code == 303

    url = "/staff/account/password"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "current": PASSWORD,
            "new": "a much longer password",
            "confirm": "a much longer password",
        },
    )

    assert response.status_code == 303
    assert client.get("/staff/").status_code == 200
    assert _signed_out(other.get("/staff/"))
    assert _staff_sign_in(app.test_client(), people.colleague.email).status_code == 422
    assert (
        _staff_sign_in(
            app.test_client(), people.colleague.email, "a much longer password"
        ).status_code
        == 303
    )


def test_a_wrong_current_password_changes_nothing(app, client, people):
    _staff_sign_in(client, people.colleague.email)
    url = "/staff/account/password"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "current": "not it",
            "new": "a much longer password",
            "confirm": "a much longer password",
        },
    )
    assert response.status_code == 422
    assert "Your current password is not right" in response.text
    assert _staff_sign_in(app.test_client(), people.colleague.email).status_code == 303


def test_sign_out_everywhere_else_keeps_this_browser(app, client, people):
    other = app.test_client()
    assert _staff_sign_in(other, people.colleague.email).status_code == 303
    assert _staff_sign_in(client, people.colleague.email).status_code == 303
    page = client.get("/staff/account")
    assert "This browser" in page.text

    client.post(
        "/staff/account/sign-out-elsewhere",
        data={"csrf_token": csrf_token(client, "/staff/account")},
    )

    assert client.get("/staff/").status_code == 200
    assert _signed_out(other.get("/staff/"))


# Idle and absolute lifetimes: staff 60 minutes idle, 12 hours in all; customers 30 and 12.
@pytest.mark.parametrize(
    ("idle", "signed_in"),
    [(timedelta(minutes=59, seconds=59), True), (timedelta(minutes=60), False)],
)
def test_staff_are_signed_out_after_an_hour_without_activity(
    client, clock, people, idle, signed_in
):
    _staff_sign_in(client, people.colleague.email)
    clock.now += idle
    response = client.get("/staff/")
    assert (response.status_code == 200) is signed_in
    if not signed_in:
        page = client.get(response.headers["Location"])
        assert "You were signed out because you had not used the portal for a while" in page.text


@pytest.mark.parametrize(
    ("idle", "signed_in"),
    [(timedelta(minutes=29, seconds=59), True), (timedelta(minutes=30), False)],
)
def test_customers_are_signed_out_after_30_minutes_without_activity(
    client, clock, account, idle, signed_in
):
    _customer_sign_in(client)
    clock.now += idle
    assert (client.get("/home").status_code == 200) is signed_in


def test_activity_keeps_a_session_going(client, clock, people):
    _staff_sign_in(client, people.colleague.email)
    for _ in range(5):
        clock.now += timedelta(minutes=50)
        assert client.get("/staff/").status_code == 200


def test_keep_alive_keeps_a_customer_signed_in(client, clock, account):
    _customer_sign_in(client)
    clock.now += timedelta(minutes=25)
    assert (
        client.post(
            "/session/keep-alive", data={"csrf_token": csrf_token(client, "/home")}
        ).status_code
        == 204
    )
    clock.now += timedelta(minutes=25)
    assert client.get("/home").status_code == 200


@pytest.mark.parametrize(
    ("after", "signed_in"),
    [(timedelta(hours=11, minutes=59), True), (timedelta(hours=12), False)],
)
def test_staff_sessions_end_12_hours_after_sign_in_however_active(
    client, clock, people, after, signed_in
):
    start = clock.now
    _staff_sign_in(client, people.colleague.email)
    while clock.now + timedelta(minutes=50) < start + after:
        clock.now += timedelta(minutes=50)
        assert client.get("/staff/").status_code == 200
    clock.now = start + after
    assert (client.get("/staff/").status_code == 200) is signed_in


def test_signing_in_starts_a_new_session_whatever_the_cookie_held(app, client, people):
    with client.session_transaction() as flask_session:
        flask_session["sid"] = "planted-by-someone-else"
        flask_session["_user_id"] = f"staff:{people.panel.id}"
    before = _cookie(client)

    assert _staff_sign_in(client, people.colleague.email).status_code == 303

    with client.session_transaction() as flask_session:
        assert flask_session["sid"] != "planted-by-someone-else"
        assert flask_session["_user_id"] == f"staff:{people.colleague.id}"
    assert _signed_out(_replay(app, before).get("/staff/"))


def test_a_forged_session_token_opens_nothing(client, people):
    with client.session_transaction() as flask_session:
        flask_session["sid"] = "x" * 43
        flask_session["_user_id"] = f"staff:{people.panel.id}"
    assert _signed_out(client.get("/staff/register"))


def test_a_session_belongs_to_its_own_holder(client, sign_in, people):
    sign_in(people.colleague)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = f"staff:{people.panel.id}"  # someone else's id, same token
    assert _signed_out(client.get("/staff/register"))


def test_signing_out_forgets_the_language_too(client, account):
    client.post("/language", data={"csrf_token": csrf_token(client, "/"), "lang": "ur"})
    _customer_sign_in(client)
    assert 'lang="ur"' in client.get("/home").text

    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/home")})

    with client.session_transaction() as flask_session:
        assert "lang" not in flask_session
        assert "sid" not in flask_session
    # The page that says so is in the language they were reading; the next one is not.
    assert 'lang="ur"' in client.get(response.headers["Location"]).text
    assert 'lang="en"' in client.get("/").text


def test_staff_pages_are_english_whatever_language_was_chosen_before(client, sign_in, people):
    client.post("/language", data={"csrf_token": csrf_token(client, "/"), "lang": "ur"})
    sign_in(people.panel)
    for url in ("/staff/", "/staff/register", "/staff/account"):
        page = client.get(url, headers={"Accept-Language": "ur"})
        assert '<html lang="en" dir="ltr"' in page.text, url


@pytest.mark.parametrize("field", ["current", "new", "confirm"])
@pytest.mark.parametrize("value", ["x" * 100_000, "\u202e\U0001f600\x00\ud7ff"])
def test_bad_input_on_the_password_form_is_refused_next_to_the_field(
    app, client, people, field, value
):
    _staff_sign_in(client, people.colleague.email)
    url = "/staff/account/password"
    data = {
        "current": PASSWORD,
        "new": "a much longer password",
        "confirm": "a much longer password",
    }
    data[field] = value
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    assert response.status_code == 422
    # The message sits by a field: the one sent wrong, or "confirm" when it no longer matches.
    assert re.search(r'href="#(current|new|confirm)"', response.text)
    # Nothing changed: the old password still signs in.
    assert _staff_sign_in(app.test_client(), people.colleague.email).status_code == 303


def _reading(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if re.search(rf"\bFROM {table}\b|\bJOIN {table}\b", s)]


def test_point13_a_customer_page_reads_session_holder_and_organisation_in_one_statement(
    client, account, count_queries
):
    from portal.organisation.services import get_organisation

    get_organisation()
    db.session.commit()
    _customer_sign_in(client)
    assert client.get("/appeals").status_code == 200
    db.session.expunge_all()
    with count_queries() as counter:
        assert client.get("/appeals").status_code == 200
    sessions_read = _reading(counter.statements, "sign_in_session")
    assert len(sessions_read) == 1
    assert _reading(counter.statements, "customer_account") == sessions_read
    assert _reading(counter.statements, "organisation") == sessions_read


def test_point13_a_session_ended_elsewhere_is_refused_on_the_very_next_request(
    app, client, clock, account
):
    _customer_sign_in(client)
    assert client.get("/home").status_code == 200
    accounts_session = db.session.scalar(
        select(SignInSession).where(SignInSession.customer_account_id == account.id)
    )
    accounts_session.ended_at, accounts_session.ended_reason = clock.now, "signed_out_everywhere"
    db.session.commit()
    assert _signed_out(client.get("/home"))


def test_point13_the_organisation_read_with_the_session_is_never_stale(client, account):
    from portal.organisation.services import get_organisation

    _customer_sign_in(client)
    before = get_organisation().name
    assert before in client.get("/home").text
    get_organisation().name = "Renamed Homes Ltd"
    db.session.commit()
    page = client.get("/home").text
    assert "Renamed Homes Ltd" in page
    assert before not in page
