"""Customer pages in Chromium: every language, JavaScript on and off, axe, 320 px, keyboard."""

from __future__ import annotations

import re

import pytest
from babel.support import Translations
from playwright.sync_api import Page, expect

from portal.config import BASE_DIR
from portal.demo import DEMO_PASSWORD
from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, screenshot

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "ltr", "ur": "rtl", "pl": "ltr", "ar": "rtl"}
PUBLIC = [
    "/",
    "/sign-in",
    "/activate",
    "/password-reset",
    "/password-reset/expired-link",
    "/privacy",
]
SIGNED_IN = ["/home", "/letters", "/appeals"]
CONNOR = "connor.walsh@demo.example"  # an arrangement waits for his answer
DEBORAH = "deborah.nolan@demo.example"  # contact restricted; may appeal
IMRAN = "imran.hussain@demo.example"  # reads Urdu; all contact ended


@pytest.fixture
def customer_page(browser, base_url):
    contexts = []

    def _open(lang: str = "en", js: bool = True, width: int = 1280):
        context = browser.new_context(
            base_url=base_url,
            java_script_enabled=js,
            locale="en-GB",
            timezone_id="Europe/London",
            viewport={"width": width, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/")
        if lang != "en":
            page.locator(f'button[name="lang"][value="{lang}"]').click()
            expect(page.locator("html")).to_have_attribute("lang", lang)
        return page

    yield _open
    for context in contexts:
        context.close()


def _sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/home")


def _in(lang: str, message: str) -> str:
    """``message`` as the compiled catalogue for ``lang`` words it."""
    return Translations.load(str(BASE_DIR / "translations"), [lang]).gettext(message)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_pages_in_every_language(customer_page, lang):
    page = customer_page(lang)
    if lang != "en":
        assert _in(lang, "Sign in") != "Sign in"  # the catalogue is there and compiled
    for path in PUBLIC:
        page.goto(path)
        html = page.locator("html")
        expect(html).to_have_attribute("lang", lang)
        expect(html).to_have_attribute("dir", LANGUAGES[lang])
        if path == "/sign-in":
            expect(page.locator("h1")).to_have_text(_in(lang, "Sign in"))
        screenshot(page, f"customer-{lang}{path.replace('/', '-') or '-start'}")
        assert_accessible(page, f"{path} in {lang}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_signed_in_pages_in_every_language(customer_page, lang):
    page = customer_page(lang)
    page.goto("/sign-in")
    page.locator("#email").fill(CONNOR)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/home")
    for path in SIGNED_IN:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", LANGUAGES[lang])
        expect(page.locator("nav.nav")).to_contain_text(_in(lang, "Your account"))
        screenshot(page, f"customer-{lang}-signed-in{path.replace('/', '-')}")
        assert_accessible(page, f"{path} in {lang}")
    page.goto("/home")
    page.locator("section[aria-labelledby=letters] li a").first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    screenshot(page, f"customer-{lang}-signed-in-letter")
    assert_accessible(page, f"a letter in {lang}")
    page.goto("/home")
    page.locator("a.button[href*='/arrangements/']").click()
    assert_accessible(page, f"arrangement answer in {lang}")
    page.locator("main button[type=submit]").click()  # no answer chosen
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, f"arrangement answer with errors in {lang}")


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_reflow_at_320px(customer_page, path):
    page = customer_page("ur", width=320)
    page.goto(path)
    assert_no_horizontal_scroll(page, 320)


def test_home_and_letter_reflow_at_320px_and_show_what_contact_is_allowed(customer_page):
    page = customer_page("en", width=320)
    _sign_in(page, DEBORAH)
    expect(page.get_by_text("Contact us by email only")).to_be_visible()
    expect(page.get_by_text("You can always make a complaint")).to_be_visible()
    # Each decision she may appeal is named by what it was and its letter (issue 16, point 5).
    card = page.locator("section[aria-labelledby=appeals] .card").first
    expect(card.locator("h3")).to_be_visible()
    expect(card).to_contain_text("Our decision letter of")
    assert_no_horizontal_scroll(page, 320)
    assert_accessible(page, "home with a restriction at 320px")
    screenshot(page, "customer-home-320")
    page.locator("section[aria-labelledby=letters] li a").first.click()
    assert_no_horizontal_scroll(page, 320)
    assert_accessible(page, "a letter at 320px")


def test_a_letter_in_urdu_with_the_english_alongside(customer_page):
    """Imran Hussain reads Urdu: each letter comes in Urdu, right to left, then in English."""
    page = customer_page("ur", width=320)
    _sign_in(page, IMRAN)
    page.locator("section[aria-labelledby=letters] li a").first.click()
    versions = page.locator("section.letter-version")
    expect(versions).to_have_count(2)
    expect(versions.first.locator("article")).to_have_attribute("lang", "ur")
    expect(versions.first.locator("article")).to_have_attribute("dir", "rtl")
    expect(versions.last.locator("article")).to_have_attribute("lang", "en")
    expect(versions.last).to_contain_text("Dear Imran Hussain,")
    assert_no_horizontal_scroll(page, 320)
    assert_accessible(page, "a letter in Urdu and English")
    screenshot(page, "customer-letter-ur-en-320")


def letter_only_restriction(customer, glt, now, notified_on, appeal_deadline):
    """A restriction to letters only, in force from ``notified_on`` (the day the customer was
    told), with its last day to appeal."""
    from datetime import timedelta

    from portal.restrictions.models import ContactRoute, Restriction, RestrictionKind

    return Restriction(
        customer=customer,
        kind=RestrictionKind.CHANNEL_ONLY,
        channel=ContactRoute.LETTER,
        reasons="Repeated abusive calls.",
        starts_on=notified_on,
        review_on=now.date() + timedelta(days=90),
        immediate_notice=True,
        status="active",
        approved_by_id=glt.id,
        approved_at=now,
        notified_on=notified_on,
        appeal_deadline=appeal_deadline,
    )


def _may_appeal(live_server, reference: str, email: str, days_left: int) -> str:
    """Give a demo customer an account and a letter-only restriction with ``days_left`` days
    until the appeal deadline (negative: the deadline has passed)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from portal import db
    from portal.accounts.models import CustomerAccount
    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.customers.models import Customer

    now = datetime.now(UTC)
    with live_server.app.app_context():
        db.session.remove()
        db.session.configure(bind=live_server.engine)
        customer = db.session.scalar(select(Customer).where(Customer.reference == reference))
        glt = db.session.scalar(select(User).where(User.email == "glt@demo.example"))
        db.session.add(
            CustomerAccount(
                customer=customer,
                email=email,
                password_hash=hash_password(DEMO_PASSWORD),
                activated_at=now,
                password_changed_at=now,
            )
        )
        notified = now.date() if days_left >= 0 else now.date() - timedelta(days=30)
        db.session.add(
            letter_only_restriction(
                customer, glt, now, notified, now.date() + timedelta(days=days_left)
            )
        )
        db.session.commit()
        db.session.remove()
    return email


@pytest.fixture(scope="module")
def bethany(live_server) -> str:
    """Demo customer Bethany Clarke with an account and a restriction she can appeal, so the
    no-JavaScript journey does not depend on Deborah's (used by the keyboard journey)."""
    return _may_appeal(live_server, "C-100002", "bethany.clarke@demo.example", 28)


@pytest.fixture(scope="module")
def karim(live_server) -> str:
    """Demo customer Karim Haddad, who reads Arabic, with a restriction whose appeal deadline
    passed yesterday."""
    return _may_appeal(live_server, "C-100011", "karim.haddad@demo.example", -1)


def test_appeal_journey_without_javascript(customer_page, bethany):
    """The whole appeal with JavaScript off, in Polish, with a file, on a 320 px screen. (axe
    needs JavaScript, so these pages are checked with it in the other tests.)"""
    page = customer_page("pl", js=False, width=320)
    _sign_in(page, bethany)
    page.goto("/appeals")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/reasons")
    assert_no_horizontal_scroll(page, 320)
    page.locator("#grounds").fill("To nieporozumienie.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/new-information")
    expect(page.locator("a.back-link")).to_have_text(_in("pl", "Back"))
    page.locator("#new_information").fill("Sąsiad przeprosił.")
    page.locator("main button[value=add]").click()  # no file chosen yet
    expect(page.locator("#error-summary a[href='#evidence']")).to_be_visible()
    expect(page.locator("#evidence-error")).to_be_visible()
    expect(page.locator("#new_information")).to_have_value("Sąsiad przeprosił.")
    page.locator("#evidence").set_input_files(
        files=[{"name": "note.txt", "mimeType": "text/plain", "buffer": b"My note."}]
    )
    page.locator("main button[value=add]").click()
    expect(page.get_by_role("link", name="note.txt")).to_be_visible()
    # Adding the file kept what was typed.
    expect(page.locator("#new_information")).to_have_value("Sąsiad przeprosił.")
    page.get_by_role("button", name=_in("pl", "Save and continue")).click()
    page.wait_for_url("**/support")
    assert_no_horizontal_scroll(page, 320)
    page.locator("#needs_interpreter-0").check()
    page.locator("main form button[type=submit]").click()  # language missing
    expect(page.locator("#error-summary")).to_be_visible()
    page.locator("#interpreter_language").fill("polski")
    page.locator("main form button[type=submit]").click()
    # One question a page: letters, someone to help, anything else.
    for question in ("letters", "representative", "other"):
        page.wait_for_url(f"**/support/{question}")
        page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/check")
    expect(page.get_by_text("Sąsiad przeprosił.")).to_be_visible()
    assert_no_horizontal_scroll(page, 320)
    expect(page.get_by_role("link", name="note.txt")).to_be_visible()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/appeals/*?sent=1")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    assert_no_horizontal_scroll(page, 320)
    screenshot(page, "customer-appeal-sent-no-js-pl")


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has focus."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_appeal_journey_by_keyboard_alone(customer_page):
    """Deborah appeals with the keyboard only: Tab, type, Space and Enter."""
    js = True
    page = customer_page("en", js=js)
    _sign_in(page, DEBORAH)
    page.goto("/appeals")
    expect(page.get_by_text("You have until").first).to_be_visible()
    assert_accessible(page, "appeals")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/reasons")
    assert_accessible(page, "appeal reasons")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")  # nothing typed yet
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, "appeal reasons with an error")
    _tab_to(page, "#grounds")
    page.keyboard.type("The report about me was wrong; I was not at the office that day.")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/new-information")
    assert_accessible(page, "appeal new information")
    _tab_to(page, "#new_information")
    page.keyboard.type("I have a letter from my doctor.")
    _tab_to(page, "main button[value=add]")
    page.keyboard.press("Enter")  # no file chosen: the summary, focused, links to the field
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#new_information")).to_have_value("I have a letter from my doctor.")
    assert_accessible(page, "appeal new information, no file chosen")
    screenshot(page, "customer-appeal-new-information-no-file")
    _tab_to(page, "#error-summary a[href='#evidence']")
    page.keyboard.press("Enter")
    expect(page.locator("#evidence")).to_be_focused()
    _tab_to(page, "main button[value=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/support")
    assert_accessible(page, "appeal support")
    # Nothing is chosen for them: Tab reaches the first answer, the arrow key moves to "No".
    _tab_to(page, "#needs_interpreter-0")
    expect(page.locator("#needs_interpreter-0")).not_to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#needs_interpreter-1")).to_be_checked()
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    for question in ("letters", "representative", "other"):
        page.wait_for_url(f"**/support/{question}")
        assert_accessible(page, f"appeal support: {question}")
        _tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")
    page.wait_for_url("**/check")
    assert_accessible(page, "appeal check your answers")
    screenshot(page, f"customer-appeal-check-{'js' if js else 'no-js'}")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/appeals/*?sent=1")
    expect(page.get_by_text("Your appeal has been sent")).to_be_visible()
    assert_accessible(page, "appeal sent")
    screenshot(page, f"customer-appeal-sent-{'js' if js else 'no-js'}")


def test_a_late_appeal_in_arabic(customer_page, karim):
    """Karim's deadline passed yesterday: he can still appeal in Arabic, and the page asking why
    it is late refuses a blank answer, then carries the reason to check your answers."""
    page = customer_page("ar")
    _sign_in(page, karim)
    page.goto("/appeals")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    start = page.get_by_role("button", name=_in("ar", "Start a late appeal"))
    expect(start).to_be_visible()
    assert_accessible(page, "appeals when late, in Arabic")
    start.click()
    page.wait_for_url("**/reasons")
    page.locator("#grounds").fill("لم أكن في المكتب ذلك اليوم.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/new-information")
    page.locator("main button[value=continue]").click()
    page.wait_for_url("**/support")
    page.locator("#needs_interpreter-1").check()
    page.locator("main form button[type=submit]").click()
    for question in ("letters", "representative", "other"):
        page.wait_for_url(f"**/support/{question}")
        page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/late")
    expect(page.locator("a.back-link")).to_have_attribute("href", re.compile(r"/support/other$"))
    expect(page.locator("h1")).to_have_text(_in("ar", "Your appeal is late"))
    assert_accessible(page, "why the appeal is late, in Arabic")
    page.locator("main form button[type=submit]").click()  # no reason given
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page, "why the appeal is late, with an error, in Arabic")
    assert_no_horizontal_scroll(page, 1280)
    page.set_viewport_size({"width": 320, "height": 900})
    assert_no_horizontal_scroll(page, 320)
    screenshot(page, "customer-appeal-late-error-ar-320")
    reason = "كنت في المستشفى ولم أقرأ الرسالة إلا أمس."
    page.locator("#late_reason").fill(reason)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/check")
    expect(page.get_by_text(reason)).to_be_visible()
    assert_accessible(page, "check your answers for a late appeal, in Arabic")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/appeals/*?sent=1")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert_accessible(page, "a late appeal sent, in Arabic")
    screenshot(page, "customer-appeal-late-sent-ar-320")


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_forms_with_errors_are_accessible(customer_page, lang):
    """The error states a customer meets before signing in: setting up with nothing filled in,
    and a wrong password."""
    page = customer_page(lang)
    page.goto("/activate")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page, f"activation with errors in {lang}")
    page.goto("/sign-in")
    page.locator("#email").fill(CONNOR)
    page.locator("#password").fill("not the password")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, f"sign-in refused in {lang}")


@pytest.mark.parametrize(("lang", "js"), [("ur", True), ("en", False)])
def test_point15_the_letters_language_is_asked_on_its_own(customer_page, lang, js):
    """Reading the pages in Urdu offers, once, to change the letters' language (English for
    Connor); choosing it changes the letters, never the pages. Put back to English after."""
    page = customer_page(lang, js=js)
    _sign_in(page, CONNOR)
    offer = page.locator("#letters-language-offer")
    if lang == "en":
        expect(offer).to_have_count(0)
    else:
        expect(offer).to_be_visible()
        assert_accessible(page, f"home with the letters' language offered in {lang}")
    page.locator("#letters-language a").click()
    page.wait_for_url("**/your-letters")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if js:
        assert_accessible(page, f"the letters' language question in {lang}")
    screenshot(page, f"customer-letters-language-{lang}")
    for chosen, back in (("pl", "Polski"), ("en", None)):
        if chosen == "en":
            page.goto("/your-letters")
        page.locator(f'input[name="language"][value="{chosen}"]').check()
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/home")
        expect(page.locator("html")).to_have_attribute("lang", lang)  # the pages stay
        if back:
            expect(page.locator("#letters-language")).to_contain_text(back)
    expect(page.locator("#letters-language-offer")).to_have_count(0)


def test_the_session_warning_appears_two_minutes_before_sign_out(customer_page):
    """After 28 quiet minutes the warning takes focus; "Stay signed in" keeps the session."""
    page = customer_page("pl")
    page.clock.install()
    _sign_in(page, CONNOR)
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("27:50")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("00:20")
    expect(warning).to_be_visible()
    stay = warning.get_by_role("button", name=_in("pl", "Stay signed in"))
    expect(stay).to_be_focused()
    assert_accessible(page, "the session warning")
    screenshot(page, "customer-session-warning-pl")
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    page.reload()
    expect(page.locator("nav.nav")).to_contain_text(_in("pl", "Your account"))


@pytest.fixture(scope="module")
def two_restrictions(live_server) -> str:
    """A customer of their own (not a demo one other tests read) with an account and two
    restrictions in force: by email only, and through Tom Whitfield (issue 16, point 5)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from portal import db
    from portal.accounts.models import CustomerAccount
    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.customers.models import Customer, CustomerType
    from portal.restrictions.models import ContactRoute, Restriction, RestrictionKind

    now = datetime.now(UTC)
    email = "two.restrictions@demo.example"
    with live_server.app.app_context():
        db.session.remove()
        db.session.configure(bind=live_server.engine)
        glt = db.session.scalar(select(User).where(User.email == "glt@demo.example"))
        tom = db.session.scalar(select(User).where(User.email == "manager@demo.example"))
        customer = Customer(
            reference="C-190001",
            forename="Rhys",
            surname="Evans",
            customer_type=CustomerType.TENANT,
            created_at=now - timedelta(days=800),
        )
        db.session.add(customer)
        db.session.add(
            CustomerAccount(
                customer=customer,
                email=email,
                password_hash=hash_password(DEMO_PASSWORD),
                activated_at=now,
                password_changed_at=now,
            )
        )
        for kind, fields, days in (
            (RestrictionKind.CHANNEL_ONLY, {"channel": ContactRoute.EMAIL}, 150),
            (RestrictionKind.NAMED_MANAGER, {"named_manager_id": tom.id}, 90),
        ):
            db.session.add(
                Restriction(
                    customer=customer,
                    kind=kind,
                    reasons="Repeated abusive calls.",
                    starts_on=now.date(),
                    review_on=now.date() + timedelta(days=days),
                    immediate_notice=True,
                    status="active",
                    approved_by_id=glt.id,
                    approved_at=now,
                    notified_on=now.date(),
                    appeal_deadline=now.date() + timedelta(days=28),
                    **fields,
                )
            )
        db.session.commit()
        db.session.remove()
    return email


@pytest.mark.policy("8.19")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_point5_two_restrictions_read_as_one_on_the_home_at_320px(
    customer_page, two_restrictions, lang, js
):
    page = customer_page(lang, js=js, width=320)
    _sign_in(page, two_restrictions)
    together = page.locator("#contact-together")
    expect(together).to_be_visible()
    # Email Tom Whitfield, at his address; the two restrictions it comes from listed beneath.
    expect(together.locator(".restriction-flag__rule")).to_contain_text("Tom Whitfield")
    expect(together).to_contain_text("manager@demo.example")
    expect(together.locator("li")).to_have_count(2)
    assert_no_horizontal_scroll(page, 320)
    if js:
        assert_accessible(page, f"home with two restrictions at 320px ({lang})")
    screenshot(page, f"customer-home-two-restrictions-{lang}-{'js' if js else 'no-js'}-320")
