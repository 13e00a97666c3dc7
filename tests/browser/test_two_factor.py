"""Two-factor sign-in in the browser, with JavaScript on and off: a new Panel member sets up
their authenticator app, signs in with a code and with a recovery code, and an administrator
resets it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from portal.auth.models import Role, User, UserRole
from portal.demo import DEMO_PASSWORD
from tests.browser.support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    screenshot,
    sign_in_with_form,
    unused_code,
)

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
NARROW = {"width": 320, "height": 640}


def _add_panel_member(live_server, email: str, name: str) -> int:
    """A Panel member who has never signed in, so has no authenticator app yet."""
    with Session(live_server.engine) as session:
        user = User(
            email=email,
            name=name,
            job_title="Customer Conduct Panel member",
            password_hash=generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000"),
            created_at=datetime.now(UTC),
        )
        user.role_links.append(UserRole(role=Role.PANEL))
        session.add(user)
        session.commit()
        return user.id


def _look(page: Page, name: str, js: bool) -> None:
    """Screenshot the page; with JavaScript on, run axe (it needs scripts to run)."""
    screenshot(page, f"two-factor-{'js' if js else 'no-js'}-{name}")
    if js:
        assert_accessible(page, name)


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def _password(page: Page, email: str) -> None:
    page.goto("/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(_h1(page)).to_have_text("Sign in to the staff portal")


@JS
def test_set_up_then_sign_in_with_a_code_or_a_recovery_code_then_an_admin_resets_it(
    browser, base_url, live_server, open_as, js
):
    mode = "js" if js else "no-js"
    email = f"fiona.{mode}@demo.example"
    user_id = _add_panel_member(live_server, email, f"Fiona Fresh ({mode})")
    context = browser.new_context(
        base_url=base_url, java_script_enabled=js, locale="en-GB", timezone_id="Europe/London"
    )
    page = context.new_page()
    try:
        # The password alone: not signed in, asked to set up the app.
        _password(page, email)
        expect(_h1(page)).to_have_text("Set up two-factor sign-in")
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
        expect(
            page.get_by_role("img", name="QR code to scan with your authenticator app")
        ).to_be_visible()
        _look(page, "1-setup", js)
        page.set_viewport_size(NARROW)
        assert_no_horizontal_scroll(page, NARROW["width"])
        screenshot(page, f"two-factor-{mode}-1-setup-320")
        page.set_viewport_size({"width": 1280, "height": 900})

        secret = page.locator(".secret-key").inner_text().replace(" ", "")
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        code = page.get_by_label("Code from your authenticator app")
        code.fill("12345")
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_title(re.compile(r"^Error: Set up two-factor sign-in"))
        expect(page.locator(".error-summary")).to_contain_text(
            "The code is not right. Enter the 6-digit code your authenticator app shows now"
        )
        _look(page, "2-setup-error", js)

        page.get_by_label("Code from your authenticator app").fill(unused_code(secret))
        page.get_by_role("button", name="Continue").click()
        expect(_h1(page)).to_have_text("Save your recovery codes")
        codes = page.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        _look(page, "3-recovery-codes", js)
        page.get_by_role("link", name="Continue").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_attached()
        expect(page.locator("footer")).to_contain_text("Signed in as Fiona Fresh")

        # Next time: the password, then the code the app shows.
        _sign_out(page)
        _password(page, email)
        expect(_h1(page)).to_have_text("Enter the code from your authenticator app")
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
        _look(page, "4-code", js)
        page.get_by_label("Code from your authenticator app").fill(unused_code(secret))
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("footer")).to_contain_text("Signed in as Fiona Fresh")
        _look(page, "5-signed-in", js)

        # Without the phone: a recovery code, once.
        _sign_out(page)
        _password(page, email)
        page.get_by_role("link", name="Use a recovery code instead").click()
        expect(_h1(page)).to_have_text("Enter a recovery code")
        _look(page, "6-recovery", js)
        page.get_by_label("Recovery code").fill(codes[0])
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".notice--success[role=status]")).to_contain_text(
            "You signed in with a recovery code. You have 9 left"
        )
        _look(page, "7-signed-in-with-recovery-code", js)

        # A lost phone: an administrator resets it, and it ends every session.
        admin = open_as("admin", f"/staff/admin/users/{user_id}", js=js)
        section = admin.locator("#two-factor")
        expect(section).to_contain_text("Set up on")
        expect(section).to_contain_text("signs them out everywhere")
        _look(admin, "8-admin-user", js)
        section.get_by_role("button", name="Reset two-factor sign-in").click()
        expect(admin.locator(".notice--success[role=status]")).to_contain_text(
            "Two-factor sign-in reset for Fiona Fresh"
        )
        expect(admin.locator("#two-factor")).to_contain_text("Not set up yet")
        _look(admin, "9-admin-reset", js)

        page.goto("/staff/")
        expect(_h1(page)).to_have_text("Sign in to the staff portal")
        _password(page, email)
        expect(_h1(page)).to_have_text("Set up two-factor sign-in")
        assert page.locator(".secret-key").inner_text().replace(" ", "") != secret
    finally:
        context.close()


def test_a_demo_account_signs_in_twice_within_one_code(browser, base_url):
    """Each code is taken once: the helper gives the next one (tests/browser/support.py)."""
    for _ in range(2):
        context = browser.new_context(base_url=base_url)
        try:
            page = context.new_page()
            sign_in_with_form(page, "glt")
            expect(page.locator("footer")).to_contain_text("Signed in as Martin Doyle")
        finally:
            context.close()
