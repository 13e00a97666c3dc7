"""The customer's appeal in Chromium, in English and Urdu: a late step on the progress page is
told as late (issue 16, point 14); a letter that arrived on a Saturday, lodged by a colleague,
shows when it arrived and the day its dates count from (point 2); an appeal in Urdu keeps what
is typed and shows each error in a summary (points 16 and 17)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date
from babel.support import Translations
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.appeals import due_dates
from portal.appeals.models import Appeal
from portal.config import BASE_DIR
from portal.customers.models import Customer
from portal.demo import DEMO_PASSWORD
from portal.i18n import LONG_DATE_PATTERNS
from portal.organisation.models import Organisation
from portal.workdays.calendar import WorkingCalendar
from portal.workdays.models import Closure
from tests.browser.conftest import serve_demo
from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, screenshot
from tests.browser.test_customer_pages import _in, _sign_in, letter_only_restriction

pytestmark = pytest.mark.browser

IMRAN = "imran.hussain@demo.example"  # reads Urdu; all contact ended; an appeal under way


@pytest.fixture(scope="module")
def late_appeal(tmp_path_factory):
    """A demo server of its own (the shared one is left as it is) whose one appeal arrived
    three weeks ago and was never acknowledged: its first steps are late whatever today is."""
    with serve_demo(tmp_path_factory.mktemp("late-appeal")) as server:
        with Session(server.engine) as session:
            appeal = session.scalars(
                select(Appeal).join(Customer).where(Customer.reference == "C-100009")
            ).one()
            assert appeal.acknowledged_on is None
            arrived = datetime.now(UTC) - timedelta(days=21)
            appeal.received_at = arrived
            appeal.counted_from = arrived.date()
            calendar = WorkingCalendar(
                dict(session.execute(select(Closure.day, Closure.reason)).all())
            )
            cutoff = session.scalar(select(Organisation.cutoff_time))
            due_dates.fill(appeal, calendar, cutoff)  # its stored due dates, counted again
            session.commit()
            appeal_id = appeal.id
        yield server.url, appeal_id


def _prefix(lang: str) -> str:
    """The words a late acknowledgement starts with, as ``lang``'s catalogue has them."""
    message = (
        "This is late: we should have acknowledged your appeal by %(due)s. We are sorry. "
        "We now aim to acknowledge it by %(date)s."
    )
    text = Translations.load(str(BASE_DIR / "translations"), [lang]).gettext(message)
    return text.split("%(due)s")[0].strip()


@pytest.mark.policy("9.1")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_a_late_step_on_the_progress_page_is_told_as_late_and_passes_axe(
    browser, late_appeal, lang, js
):
    """Point 14, at 320 px, with JavaScript on (and axe) and off."""
    url, appeal_id = late_appeal
    context = browser.new_context(
        base_url=url,
        java_script_enabled=js,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 320, "height": 900},
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/sign-in")
        if lang != "en":
            page.locator(f'button[name="lang"][value="{lang}"]').click()
            expect(page.locator("html")).to_have_attribute("lang", lang)
        page.locator("#email").fill(IMRAN)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/home")
        page.goto(f"/appeals/{appeal_id}")
        if page.locator("html").get_attribute("lang") != lang:  # Imran's own language is Urdu
            page.locator(f'button[name="lang"][value="{lang}"]').click()
            expect(page.locator("html")).to_have_attribute("lang", lang)
            page.goto(f"/appeals/{appeal_id}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("ol.timeline li").first).to_contain_text(_prefix(lang))
        assert_no_horizontal_scroll(page, 320)
        if js:
            assert_accessible(page, f"appeal progress with a late step, {lang}")
        screenshot(page, f"customer-appeal-progress-late-{lang}-{'js' if js else 'no-js'}")
    finally:
        context.close()


def _customer_who_may_appeal(
    live_server, reference: str, name: str, language: str, notified_on: date
) -> tuple[int, str]:
    """A customer of their own (no other test reads them), with an account, who reads
    ``language``, and a letter-only restriction notified on ``notified_on`` (20 working days to
    appeal, §9.1). Returns their id and the email they sign in with."""
    from portal import db
    from portal.accounts.models import CustomerAccount
    from portal.appeals.rules import appeal_deadline
    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.customers.models import CustomerType
    from portal.workdays.services import load_calendar

    now = datetime.now(UTC)
    forename, surname = name.split()
    email = f"{forename}.{surname}@demo.example".lower()
    with live_server.app.app_context():
        db.session.remove()
        db.session.configure(bind=live_server.engine)
        glt = db.session.scalar(select(User).where(User.email == "glt@demo.example"))
        customer = Customer(
            reference=reference,
            forename=forename,
            surname=surname,
            customer_type=CustomerType.TENANT,
            preferred_language=language,
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
        db.session.add(
            letter_only_restriction(
                customer, glt, now, notified_on, appeal_deadline(notified_on, load_calendar()).due
            )
        )
        db.session.commit()
        ident = customer.id
        db.session.remove()
    return ident, email


def _open_in(open_as, lang: str, js: bool) -> Page:
    """A signed-out customer's page at 320 px, reading the portal in ``lang``."""
    page = open_as(None, "/", js=js, width=320)
    page.set_default_timeout(15000)
    if lang != "en":
        page.locator(f'button[name="lang"][value="{lang}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    return page


def _saturday_before_a_working_monday(live_server) -> date:
    """The latest Saturday before today (the server's clock is the real one) whose Monday is a
    working day on the portal's calendar."""
    from portal import db
    from portal.timeutil import london_date
    from portal.workdays.services import load_calendar

    today = london_date(datetime.now(UTC))
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    with live_server.app.app_context():
        db.session.remove()
        db.session.configure(bind=live_server.engine)
        calendar = load_calendar()
        while not calendar.is_working_day(saturday + timedelta(days=2)):
            saturday -= timedelta(days=7)
        db.session.remove()
    return saturday


def _long_date(day: date, lang: str) -> str:
    """``day`` as the portal writes a long date in ``lang``."""
    return format_date(day, LONG_DATE_PATTERNS[lang], locale=lang)


@pytest.mark.policy("9.1", "9.2")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_point2_a_letter_that_arrived_on_a_saturday_is_counted_from_monday(
    live_server, open_as, js
):
    """The Customer Experience Manager lodges an appeal that came by letter on a Saturday: the
    appeal's page says when it arrived and that its dates count from Monday; the customer's
    progress page says both, in English and in Urdu."""
    saturday = _saturday_before_a_working_monday(live_server)
    monday = saturday + timedelta(days=2)
    reference = "C-190201" if js else "C-190202"
    name = "Samir Qureshi" if js else "Sana Qureshi"
    customer_id, email = _customer_who_may_appeal(
        live_server, reference, name, "en", saturday - timedelta(days=8)
    )
    staff = open_as("cem", f"/staff/customers/{customer_id}", js=js)
    staff.get_by_role("link", name=re.compile(r"^Lodge an appeal for this customer")).click()
    staff.wait_for_url(f"**/customers/{customer_id}/appeals/new")
    if js:
        assert_accessible(staff, "lodging an appeal for a customer")
    staff.get_by_role("radio", name="By letter", exact=True).check()
    staff.locator("#received_on").fill(saturday.isoformat())
    staff.locator("#received_time").fill("10:15")
    staff.locator("#grounds").fill("I was not at the office that day.")
    staff.get_by_role("button", name="Lodge the appeal").click()
    staff.wait_for_url(re.compile(r"/staff/appeals/\d+$"))
    expect(staff.locator("main")).to_contain_text(
        f"Arrived 10:15 on {saturday:%A %-d %B %Y}; counted from {monday:%A %-d %B %Y}, "
        "the next working day (a weekend)."
    )
    if js:
        assert_accessible(staff, "an appeal that arrived on a Saturday")
        screenshot(staff, "staff-appeal-arrived-saturday")
    appeal_id = int(staff.url.rsplit("/", 1)[1])
    message = (
        "Your appeal arrived on %(arrived)s, at the weekend, so we count our dates from "
        "%(counted)s, the next working day."
    )
    for lang in ("en", "ur"):
        if lang != "en":
            assert _in(lang, message) != message  # the catalogue has it, compiled
        page = _open_in(open_as, lang, js)
        _sign_in(page, email)
        page.goto("/appeals")
        page.locator(f"main a[href$='/appeals/{appeal_id}']").first.click()
        page.wait_for_url(f"**/appeals/{appeal_id}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("main")).to_contain_text(
            _in(lang, message)
            % {"arrived": _long_date(saturday, lang), "counted": _long_date(monday, lang)}
        )
        assert_no_horizontal_scroll(page, 320)
        if js:
            assert_accessible(page, f"appeal progress after a Saturday letter, {lang}")
        screenshot(page, f"customer-appeal-progress-{lang}-{'js' if js else 'no-js'}-320")


@pytest.mark.policy("9.2")
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_points16_17_an_appeal_in_urdu_keeps_what_is_typed_and_summarises_each_error(
    live_server, open_as, js
):
    """Nadia (or, without JavaScript, Bilal) Akhtar reads Urdu and appeals on a 320 px screen:
    sending before giving reasons and adding no file each give the error summary (focused, with
    JavaScript), a file added keeps the text typed, the support she needs is asked one question
    a page, and every step has a Back link to the one before."""
    name = "Nadia Akhtar" if js else "Bilal Akhtar"
    today = datetime.now(UTC).date()
    _, email = _customer_who_may_appeal(
        live_server, "C-191601" if js else "C-191602", name, "ur", today
    )
    page = _open_in(open_as, "ur", js)
    _sign_in(page, email)

    def looked_at(what: str, back: str | None = None) -> None:
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        if back is not None:
            link = page.locator("a.back-link")
            expect(link).to_have_text(_in("ur", "Back"))
            expect(link).to_have_attribute("href", re.compile(back))
        assert_no_horizontal_scroll(page, 320)
        if js:
            assert_accessible(page, f"{what} in Urdu")

    def summary_links_to(field: str) -> None:
        summary = page.locator("#error-summary")
        expect(summary.locator(f"a[href='#{field}']")).to_be_visible()
        if js:
            expect(summary).to_be_focused()

    page.goto("/appeals")
    looked_at("appeals")
    page.get_by_role("button", name=_in("ur", "Start an appeal")).click()
    page.wait_for_url("**/reasons")
    looked_at("appeal reasons", r"/appeals$")
    page.get_by_role("button", name=_in("ur", "Save and continue")).click()  # nothing typed
    summary_links_to("grounds")
    looked_at("appeal reasons, none given", r"/appeals$")

    # Straight to "Check and send": "Send my appeal" before any reasons.
    page.locator("nav.steps").get_by_role("link", name=_in("ur", "Check and send")).click()
    page.wait_for_url("**/check")
    looked_at("check your appeal", r"/support/other$")
    page.get_by_role("button", name=_in("ur", "Send my appeal")).click()
    summary_links_to("grounds")
    looked_at("check your appeal, no reasons", r"/support/other$")
    screenshot(page, f"customer-appeal-send-without-reasons-ur-{'js' if js else 'no-js'}")
    page.locator("main a#grounds").click()
    page.wait_for_url("**/reasons?then=check")
    looked_at("appeal reasons from the check page", r"/check$")
    page.locator("#grounds").fill("رپورٹ درست نہیں ہے۔")
    page.get_by_role("button", name=_in("ur", "Save and continue")).click()
    page.wait_for_url("**/check")

    page.locator("nav.steps").get_by_role(
        "link", name=_in("ur", "New information and files")
    ).click()
    page.wait_for_url("**/new-information")
    looked_at("appeal new information", r"/reasons$")
    typed = "میرے ڈاکٹر کا خط ساتھ ہے۔"
    page.locator("#new_information").fill(typed)
    page.get_by_role("button", name=_in("ur", "Add this file")).click()  # no file chosen
    summary_links_to("evidence")
    expect(page.locator("#evidence-error")).to_contain_text(_in("ur", "Choose a file to send"))
    expect(page.locator("#new_information")).to_have_value(typed)
    looked_at("appeal new information, no file chosen", r"/reasons$")
    page.locator("#evidence").set_input_files(
        files=[{"name": "doctor.txt", "mimeType": "text/plain", "buffer": b"A letter."}]
    )
    page.get_by_role("button", name=_in("ur", "Add this file")).click()
    expect(page.get_by_role("link", name="doctor.txt")).to_be_visible()
    expect(page.locator("#new_information")).to_have_value(typed)
    looked_at("appeal new information with a file", r"/reasons$")
    page.get_by_role("button", name=_in("ur", "Save and continue")).click()

    # Each question of "Support you need" on a page of its own, its Back link to the one before.
    questions = (
        ("interpreter", r"/new-information$"),
        ("letters", r"/support(/interpreter)?$"),
        ("representative", r"/support/letters$"),
        ("other", r"/support/representative$"),
    )
    for number, (question, back) in enumerate(questions, 1):
        page.wait_for_url(re.compile(rf"/support(/{question})?$"))
        expect(page.locator("main form > .field")).to_have_count(1)  # one question
        expect(page.locator("main .caption")).to_have_text(
            _in("ur", "Question %(number)d of %(total)d") % {"number": number, "total": 4}
        )
        looked_at(f"appeal support: {question}", back)
        if question == "interpreter":
            page.locator("#needs_interpreter-0").check()
            page.get_by_role("button", name=_in("ur", "Save and continue")).click()
            summary_links_to("interpreter_language")  # which language?
            page.locator("#interpreter_language").fill("اردو")
        page.get_by_role("button", name=_in("ur", "Save and continue")).click()
    page.wait_for_url("**/check")
    expect(page.locator("main")).to_contain_text(typed)
    expect(page.get_by_role("link", name="doctor.txt")).to_be_visible()
    looked_at("check your appeal, complete", r"/support/other$")
    page.get_by_role("button", name=_in("ur", "Send my appeal")).click()
    page.wait_for_url("**/appeals/*?sent=1")
    expect(page.locator("main h1")).to_have_text(_in("ur", "Your appeal has been sent"))
    looked_at("appeal sent")
    screenshot(page, f"customer-appeal-sent-ur-{'js' if js else 'no-js'}-320")
