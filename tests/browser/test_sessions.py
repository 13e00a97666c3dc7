"""Sessions in the browser: staff see where they are signed in and sign out everywhere else; a
customer who signs out in Urdu reads that in Urdu, and the next visitor gets nothing of theirs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from portal.auth.models import Role, User, UserRole
from portal.demo import DEMO_PASSWORD
from tests.browser.support import assert_accessible, screenshot
from tests.browser.test_customer_pages import IMRAN, _in, _sign_in

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])


def _new_colleague(live_server, email: str) -> str:
    """A colleague of their own, so ending their sessions leaves other tests' alone."""
    with Session(live_server.engine) as session:
        user = User(
            email=email,
            name="Sol Sessions",
            password_hash=generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000"),
            created_at=datetime.now(UTC),
        )
        user.role_links.append(UserRole(role=Role.COLLEAGUE))
        session.add(user)
        session.commit()
    return email


def _staff_sign_in(page: Page, email: str) -> None:
    page.goto("/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


@JS
def test_a_colleague_signs_out_everywhere_else_from_their_account_page(
    browser, base_url, live_server, js
):
    email = _new_colleague(live_server, f"sol.{'js' if js else 'nojs'}@demo.example")
    contexts = [
        browser.new_context(base_url=base_url, java_script_enabled=js, locale="en-GB")
        for _ in range(2)
    ]
    try:
        elsewhere, here = (context.new_page() for context in contexts)
        _staff_sign_in(elsewhere, email)
        _staff_sign_in(here, email)

        here.get_by_role("link", name="Your account").click()
        expect(here.get_by_role("heading", level=1)).to_have_text("Your account")
        expect(here.get_by_text("This browser")).to_be_visible()
        screenshot(here, f"sessions-{'js' if js else 'no-js'}-your-account")
        if js:
            assert_accessible(here, "your account")

        here.get_by_role("button", name="Sign out everywhere else").click()
        expect(here.get_by_text("You have been signed out everywhere else")).to_be_visible()
        expect(here.get_by_role("button", name="Sign out everywhere else")).to_have_count(0)

        elsewhere.goto("/staff/")
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text(
            "Sign in to the staff portal"
        )
        here.goto("/staff/")
        expect(here.get_by_role("button", name="Sign out")).to_be_attached()
    finally:
        for context in contexts:
            context.close()


def test_change_password_page_is_accessible_and_explains_what_happens(open_as):
    page = open_as("colleague", "/staff/account/password")
    expect(page.get_by_text("you are signed out everywhere but here")).to_be_visible()
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("link", name="Enter your current password")).to_be_visible()
    screenshot(page, "sessions-change-password-errors")
    assert_accessible(page, "change password, errors")


@JS
def test_signing_out_in_urdu_says_so_in_urdu_and_keeps_nothing(browser, base_url, js):
    context = browser.new_context(
        base_url=base_url, java_script_enabled=js, locale="en-GB", timezone_id="Europe/London"
    )
    try:
        page = context.new_page()
        _sign_in(page, IMRAN)  # he reads Urdu: his pages come in it once he signs in
        expect(page.locator("html")).to_have_attribute("lang", "ur")

        page.locator("form[action='/sign-out'] button").first.click()

        expect(page.locator("html")).to_have_attribute("lang", "ur")
        expect(page.get_by_text(_in("ur", "You have signed out."))).to_be_visible()
        screenshot(page, f"sessions-{'js' if js else 'no-js'}-signed-out-urdu")
        if js:
            assert_accessible(page, "signed out, Urdu")

        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.goto("/home")
        expect(page).to_have_url(f"{base_url}/sign-in?next=/home")
    finally:
        context.close()
