"""Staff two-factor sign-in through the real forms: the password alone does not sign in the
Panel, GLT, the CEM, the CSM or an administrator; they set up an authenticator app at their
first sign-in, then give its code (or a recovery code) each time."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth import two_factor
from portal.auth.models import Role, SignInSession
from tests.factories import PASSWORD
from tests.pages import check_page, errors_on

CODE_PAGE = "/staff/sign-in/code"
SETUP_PAGE = "/staff/sign-in/set-up"
RECOVERY_PAGE = "/staff/sign-in/recovery-code"
STEP = timedelta(seconds=30)


@pytest.fixture
def sign_in_with_password(client, token):
    """Sign in with the form from a fresh browser; ``next`` is where sign-in was asked for."""

    def _sign_in(user, next: str | None = None):
        with client.session_transaction() as flask_session:
            flask_session.clear()
        return client.post(
            "/staff/sign-in",
            query_string={"next": next} if next else None,
            data={"csrf_token": token("/staff/sign-in"), "email": user.email, "password": PASSWORD},
        )

    return _sign_in


@pytest.fixture
def give(client, token):
    """Post ``field=value`` to one of the two-factor pages, with that page's CSRF token."""

    def _give(url: str, field: str, value: str, next: str = "/staff/"):
        query = {"next": next}
        page = client.get(url, query_string=query)
        assert page.status_code == 200, page.status_code
        csrf = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
        return client.post(
            url, query_string=query, data={"csrf_token": csrf.group(1).decode(), field: value}
        )

    return _give


@pytest.fixture
def enrolled(panel_member, clock):
    """A Panel member who set up their app yesterday; their recovery codes ride along."""
    yesterday = clock.now - timedelta(days=1)
    two_factor.start_enrolment(panel_member, yesterday)
    panel_member.recovery = two_factor.confirm_enrolment(
        panel_member, yesterday, pyotp.TOTP(panel_member.totp_secret).at(yesterday)
    )
    db.session.commit()
    return panel_member


@pytest.fixture
def audit_events(app):
    def _events(action: str, entity_id: int) -> list[AuditEvent]:
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action,
                    AuditEvent.entity_type == "staff_user",
                    AuditEvent.entity_id == entity_id,
                )
            )
        )

    return _events


def code_for(user, when) -> str:
    db.session.refresh(user)
    return pyotp.TOTP(user.totp_secret).at(when)


def signed_in_as(client) -> str | None:
    response = client.get("/staff/")
    if response.status_code != 200:
        return None
    return check_page(response).find("footer").get_text(" ", strip=True)


def _staff_pages_without_ids(app) -> list[str]:
    skip = {"staff.sign_in", "staff.sign_out", "staff.two_factor", "staff.two_factor_setup"}
    skip.add("staff.two_factor_recovery")
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.")
        and rule.endpoint not in skip
        and "GET" in rule.methods
        and not rule.arguments
    )


def test_the_password_alone_does_not_sign_in_a_panel_member(
    app, client, sign_in_with_password, enrolled
):
    response = sign_in_with_password(enrolled, next="/staff/register")

    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == CODE_PAGE
    assert parse_qs(location.query) == {"next": ["/staff/register"]}
    for url in _staff_pages_without_ids(app):
        page = client.get(url)
        assert page.status_code == 302, url
        assert urlsplit(page.headers["Location"]).path == "/staff/sign-in", url
    assert signed_in_as(client) is None


def test_the_code_page_asks_for_the_code_and_offers_a_recovery_code(
    client, sign_in_with_password, enrolled
):
    sign_in_with_password(enrolled)

    soup = check_page(client.get(CODE_PAGE, query_string={"next": "/staff/"}))

    assert soup.h1.get_text(strip=True) == "Enter the code from your authenticator app"
    field = soup.find("input", attrs={"name": "code"})
    assert field["autocomplete"] == "one-time-code" and field["inputmode"] == "numeric"
    assert soup.find("a", string="Use a recovery code instead")["href"].startswith(RECOVERY_PAGE)
    assert soup.find("nav") is None  # not signed in yet


def test_the_right_code_signs_in_and_goes_where_sign_in_was_asked_for(
    client, sign_in_with_password, give, enrolled, clock
):
    sign_in_with_password(enrolled, next="/staff/register")

    response = give(CODE_PAGE, "code", code_for(enrolled, clock.now), next="/staff/register")

    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/register"
    assert "portal_known" in response.headers.get("Set-Cookie", "")
    check_page(client.get("/staff/register"))
    assert "Signed in as Pat Panel" in signed_in_as(client)


def test_a_wrong_code_is_refused_with_a_plain_message(
    client, sign_in_with_password, give, enrolled, clock
):
    sign_in_with_password(enrolled)

    response = give(CODE_PAGE, "code", code_for(enrolled, clock.now - 5 * STEP))

    soup = check_page(response, 422)
    assert soup.title.get_text().startswith("Error:")
    assert errors_on(soup) == {"code": two_factor.WRONG_CODE}
    assert signed_in_as(client) is None


def test_a_code_cannot_be_used_twice(client, sign_in_with_password, give, enrolled, clock):
    code = code_for(enrolled, clock.now)
    sign_in_with_password(enrolled)
    assert give(CODE_PAGE, "code", code).status_code == 303

    sign_in_with_password(enrolled)  # someone who saw the code, within its 30 seconds
    replayed = give(CODE_PAGE, "code", code)

    assert errors_on(check_page(replayed, 422)) == {"code": two_factor.WRONG_CODE}
    assert signed_in_as(client) is None


def test_five_wrong_codes_hold_the_account_back_even_with_the_right_one(
    client, sign_in_with_password, give, enrolled, clock
):
    sign_in_with_password(enrolled)
    for n in range(5):
        assert give(CODE_PAGE, "code", f"{n:06d}" if n else "999999").status_code == 422

    held = give(CODE_PAGE, "code", code_for(enrolled, clock.now))

    soup = check_page(held, 429)
    assert "Too many attempts. Try again after" in errors_on(soup)[""]
    assert signed_in_as(client) is None
    assert give(RECOVERY_PAGE, "recovery_code", enrolled.recovery[0]).status_code == 429

    clock.now += timedelta(minutes=16)
    sign_in_with_password(enrolled)
    assert give(CODE_PAGE, "code", code_for(enrolled, clock.now)).status_code == 303


def test_a_recovery_code_signs_in_once(client, sign_in_with_password, give, enrolled):
    sign_in_with_password(enrolled)
    check_page(client.get(RECOVERY_PAGE, query_string={"next": "/staff/"}))

    response = give(RECOVERY_PAGE, "recovery_code", enrolled.recovery[0].upper())

    assert response.status_code == 303
    home = check_page(client.get("/staff/"))
    assert "You signed in with a recovery code. You have 9 left" in home.get_text()

    sign_in_with_password(enrolled)
    again = give(RECOVERY_PAGE, "recovery_code", enrolled.recovery[0])
    assert errors_on(check_page(again, 422)) == {"recovery_code": two_factor.WRONG_RECOVERY_CODE}
    assert signed_in_as(client) is None


def test_the_first_sign_in_sets_up_the_app(
    client, sign_in_with_password, give, panel_member, clock, audit_events
):
    sign_in_with_password(panel_member)
    to_setup = client.get(CODE_PAGE, query_string={"next": "/staff/register"})
    assert to_setup.status_code == 303
    assert urlsplit(to_setup.headers["Location"]).path == SETUP_PAGE

    page = client.get(SETUP_PAGE, query_string={"next": "/staff/register"})

    soup = check_page(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert soup.h1.get_text(strip=True) == "Set up two-factor sign-in"
    svg = soup.find("svg")
    assert svg["role"] == "img" and svg.title.get_text() == (
        "QR code to scan with your authenticator app"
    )
    secret = panel_member.totp_secret
    key = soup.select_one(".secret-key").get_text(" ", strip=True)
    assert key.replace(" ", "") == secret and key.split() == re.findall(".{4}", secret)
    summary = soup.select_one("dl.summary").get_text(" ", strip=True)
    assert panel_member.email in summary and "Customer Conduct Portal" in summary
    # A reload shows the same key: the app may have scanned it already.
    check_page(client.get(SETUP_PAGE))
    db.session.refresh(panel_member)
    assert panel_member.totp_secret == secret

    wrong_code = code_for(panel_member, clock.now - 5 * STEP)
    wrong = give(SETUP_PAGE, "code", wrong_code, next="/staff/register")
    assert errors_on(check_page(wrong, 422)) == {"code": two_factor.WRONG_CODE}

    done = give(SETUP_PAGE, "code", code_for(panel_member, clock.now), next="/staff/register")

    soup = check_page(done)
    assert done.headers["Cache-Control"] == "no-store"
    assert soup.h1.get_text(strip=True) == "Save your recovery codes"
    codes = [c.get_text() for c in soup.select(".recovery-codes code")]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    assert soup.find("a", string="Continue")["href"] == "/staff/register"
    check_page(client.get("/staff/register"))
    assert audit_events("user.two_factor_set_up", panel_member.id)
    assert two_factor.use_recovery_code(panel_member, clock.now, codes[-1]) == 9


def test_once_set_up_the_setup_page_shows_no_key(client, sign_in_with_password, enrolled):
    sign_in_with_password(enrolled)

    response = client.get(SETUP_PAGE)

    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == CODE_PAGE
    assert enrolled.totp_secret.encode() not in response.data


@pytest.mark.parametrize("url", [CODE_PAGE, SETUP_PAGE, RECOVERY_PAGE])
def test_without_a_password_first_the_pages_go_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"


@pytest.mark.parametrize("url", [CODE_PAGE, SETUP_PAGE, RECOVERY_PAGE])
def test_someone_signed_in_already_goes_on(client, sign_in, enrolled, url):
    sign_in(enrolled)

    response = client.get(url, query_string={"next": "/staff/register"})

    assert response.status_code == 303 and response.headers["Location"] == "/staff/register"


def test_next_is_followed_only_to_staff_pages(client, sign_in_with_password, give, enrolled, clock):
    sign_in_with_password(enrolled)

    response = give(CODE_PAGE, "code", code_for(enrolled, clock.now), next="//evil.example/")

    assert response.headers["Location"] == "/staff/"


def test_an_unfinished_sign_in_ends_like_any_other_session(
    client, sign_in_with_password, give, enrolled, clock, app
):
    sign_in_with_password(enrolled)
    clock.now += app.config["STAFF_IDLE_LIFETIME"]

    response = client.get(CODE_PAGE)

    assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"


@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER])
def test_colleagues_sign_in_with_their_password_alone(
    client, sign_in_with_password, make_staff, role
):
    user = make_staff(role, name="Colin Colleague")

    response = sign_in_with_password(user)

    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    assert "Signed in as Colin Colleague" in signed_in_as(client)
    assert client.get(CODE_PAGE).headers["Location"] == "/staff/"


@pytest.mark.parametrize("role", [Role.CSM, Role.GLT, Role.CEM, Role.ADMIN])
def test_every_role_that_decides_or_administers_needs_the_code(
    client, sign_in_with_password, make_staff, role
):
    response = sign_in_with_password(make_staff(role))

    assert urlsplit(response.headers["Location"]).path == CODE_PAGE
    assert signed_in_as(client) is None


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


def test_an_administrator_resets_it_and_the_person_sets_it_up_again(
    app, client, sign_in, sign_in_with_password, enrolled, admin, audit_events
):
    theirs = app.test_client()
    sign_in(enrolled, on=theirs)
    assert theirs.get("/staff/register").status_code == 200
    sign_in(admin)
    page = check_page(client.get(f"/staff/admin/users/{enrolled.id}"))
    section = page.find(id="two-factor")
    assert "Set up on" in section.get_text()
    form = section.find("form")
    assert form.find("button").get_text(strip=True) == "Reset two-factor sign-in"
    assert "signs them out everywhere" in section.get_text()

    response = client.post(
        form["action"],
        data={"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"]},
    )

    assert response.status_code == 303
    after = check_page(client.get(response.headers["Location"]))
    assert "Two-factor sign-in reset for Pat Panel" in after.select_one(".notice").get_text()
    assert "Not set up yet" in after.find(id="two-factor").get_text()
    assert after.find(id="two-factor").find("form") is None
    assert theirs.get("/staff/register").status_code == 302  # signed out everywhere
    (event,) = audit_events("user.two_factor_reset", enrolled.id)
    assert event.actor_id == admin.id
    still_open = select(SignInSession).where(
        SignInSession.staff_user_id == enrolled.id, SignInSession.ended_at.is_(None)
    )
    assert db.session.scalars(still_open).all() == []
    response = sign_in_with_password(enrolled)
    assert urlsplit(client.get(response.headers["Location"]).headers["Location"]).path == SETUP_PAGE


def test_an_administrator_has_no_reset_button_for_their_own(client, sign_in, admin, clock):
    two_factor.start_enrolment(admin, clock.now)
    db.session.commit()
    sign_in(admin)

    section = check_page(client.get(f"/staff/admin/users/{admin.id}")).find(id="two-factor")

    assert section.find("form") is None
    assert "Another administrator can reset" in section.get_text()


@pytest.mark.parametrize("role", [Role.PANEL, Role.GLT, Role.CEM, Role.COLLEAGUE])
def test_only_an_administrator_may_reset_it(client, sign_in, make_staff, enrolled, token, role):
    sign_in(make_staff(role))

    response = client.post(
        f"/staff/admin/users/{enrolled.id}/two-factor/reset",
        data={"csrf_token": token("/staff/")},
    )

    assert response.status_code == 403
    db.session.refresh(enrolled)
    assert two_factor.is_set_up(enrolled)


def test_demo_accounts_sign_in_with_the_code_the_demo_code_command_prints(
    runner, client, token, give
):
    from portal.demo import DEMO_PASSWORD

    loaded = runner.invoke(args=["demo-data"])
    assert "demo-code EMAIL" in loaded.output
    code = runner.invoke(args=["demo-code", "panel@demo.example"])
    assert code.exit_code == 0 and re.fullmatch(r"\d{6}\n", code.output)
    assert runner.invoke(args=["demo-code", "colleague@demo.example"]).exit_code == 1

    client.post(
        "/staff/sign-in",
        data={
            "csrf_token": token("/staff/sign-in"),
            "email": "panel@demo.example",
            "password": DEMO_PASSWORD,
        },
    )
    assert give(CODE_PAGE, "code", code.output.strip()).status_code == 303
    assert "Signed in as Grace Okafor" in signed_in_as(client)


def test_the_demo_code_command_never_shows_a_real_accounts_code(runner, enrolled):
    enrolled.email = "panel@demo.example"
    db.session.commit()

    result = runner.invoke(args=["demo-code", "panel@demo.example"])

    assert result.exit_code == 1 and not re.search(r"\d{6}", result.output)
