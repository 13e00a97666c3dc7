"""Restriction-stage journeys in Chromium, each walked as its role with JavaScript on and off.

The journeys decide Hannah Morris's request, lift and reintroduce Deborah Nolan's restriction
and file Imran Hussain's letters, so each mode gets a demo database of its own: the other
browser tests keep the shared live server's demo exactly as the demo loads it. Every page a
journey reaches is screenshotted at desktop width and at 320 px (where it must not scroll
sideways), and, with JavaScript on, checked with axe (WCAG 2.2 A/AA and best practice), forms
shown with errors included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.conftest import new_context, serve_demo
from tests.browser.support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    screenshot,
    sign_in_with_form,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


@dataclass
class World:
    """A live server on a fresh copy of the demo, and pages signed in as each role."""

    url: str
    js: bool
    engine: object
    browser: Browser
    ids: dict = field(default_factory=dict)
    _contexts: list = field(default_factory=list)
    _states: dict = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return "js" if self.js else "no-js"

    def _signed_in(self, role: str) -> dict:
        # Sessions live in each server's database, so a cookie from the shared live server
        # signs in nowhere here: sign in through this server's own form, once per role.
        if role not in self._states:
            context = self.browser.new_context(base_url=self.url)
            try:
                sign_in_with_form(context.new_page(), role)
                self._states[role] = context.storage_state()
            finally:
                context.close()
        return self._states[role]

    def open(self, role: str, path: str | None = None, **viewport) -> Page:
        size = viewport or DESKTOP
        context = new_context(
            self.browser,
            self.url,
            self._signed_in(role),
            js=self.js,
            width=size["width"],
            height=size["height"],
        )
        self._contexts.append(context)
        page = context.new_page()
        if path is not None:
            page.goto(path)
        return page

    def look(self, page: Page, name: str, *, shots: bool | None = None) -> None:
        """Check the page does not scroll sideways at 320 px; with JavaScript on, run axe and
        screenshot it at desktop width and at 320 px. Without JavaScript the pages look the same
        (shots=True for the few that differ), so only the reflow is checked, to save time."""
        shots = self.js if shots is None else shots
        if shots:
            screenshot(page, f"rj-{self.mode}-{name}")
        if self.js:
            assert_accessible(page, f"{name} ({self.mode})")
        size = page.viewport_size
        page.set_viewport_size(NARROW)
        try:
            assert_no_horizontal_scroll(page, NARROW["width"])
            if shots:
                screenshot(page, f"rj-{self.mode}-{name}-320")
        finally:
            page.set_viewport_size(size)

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()


def _demo_ids(engine) -> dict:
    from portal.arrangements.models import Arrangement
    from portal.customers.models import Customer
    from portal.restrictions.models import Restriction, RestrictionKind, RestrictionRequest

    with Session(engine) as session:
        customers = dict(session.execute(select(Customer.reference, Customer.id)).all())
        request = session.scalars(
            select(RestrictionRequest).where(
                RestrictionRequest.customer_id == customers["C-100008"]
            )
        ).one()
        channel_only = session.scalars(
            select(Restriction).where(
                Restriction.customer_id == customers["C-100004"],
                Restriction.kind == RestrictionKind.CHANNEL_ONLY,
            )
        ).one()
        arrangement = session.scalars(
            select(Arrangement).where(Arrangement.customer_id == customers["C-100003"])
        ).one()
        return {
            "deborah": customers["C-100004"],
            "connor": customers["C-100003"],
            "emeka": customers["C-100005"],
            "hannah": customers["C-100008"],
            "imran": customers["C-100009"],
            "request": request.id,
            "request_ref": request.reference,
            "channel_only": channel_only.id,
            "arrangement": arrangement.id,
        }


@pytest.fixture(scope="module", params=[True, False], ids=["js", "no-js"])
def world(request, browser, tmp_path_factory) -> Iterator[World]:
    """A fresh demo database and live server for each mode, shut down after the module."""
    with serve_demo(tmp_path_factory.mktemp("restriction-journeys")) as server:
        world = World(
            server.url,
            request.param,
            server.engine,
            browser,
            ids=_demo_ids(server.engine),
        )
        try:
            yield world
        finally:
            world.close()


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def _status(page: Page):
    return page.locator(".notice--success[role=status]")


def _expect_errors(page: Page, js: bool, *messages: str) -> None:
    """The page came back with a titled error summary that takes focus (with JavaScript on)
    and whose first link puts focus in its field."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".error-summary")
    for message in messages:
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    if js:
        expect(summary).to_be_focused()
    first = summary.get_by_role("link", name=messages[0])
    target = page.locator(first.get_attribute("href"))
    first.click()
    expect(target).to_be_focused()
    expect(target).to_be_in_viewport()


def _pdf_is_served(page: Page, link_name: str) -> None:
    href = page.get_by_role("link", name=link_name).get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


@pytest.mark.policy("8.18")
@pytest.mark.policy("8.19")
@pytest.mark.policy("8.20")
def test_glt_asks_for_more_the_panel_answers_glt_approves_and_the_letter_goes(world):
    js, ref = world.js, world.ids["request_ref"]

    # GLT finds Hannah Morris's request from the task list on the home page.
    glt = world.open("glt", "/staff/")
    glt.get_by_role("link", name="1 request to restrict contact waits for your decision").click()
    expect(_h1(glt)).to_have_text("Requests to restrict contact")
    world.look(glt, "1-requests-glt")
    glt.get_by_role("link", name=ref).click()
    expect(_h1(glt)).to_have_text(ref)
    expect(glt.get_by_text("No. Waived after a serious incident")).to_be_visible()
    world.look(glt, "1-request-glt")

    # Asking without saying what is needed is refused; then the question goes to the Panel.
    ask = glt.get_by_role("button", name="Ask for more information")
    ask.click()
    _expect_errors(glt, js, "Say what more information you need")
    world.look(glt, "1-more-information-errors")
    glt.get_by_label("What more do you need to know?").fill(
        "Which serious incident was it? Give the police reference."
    )
    ask.click()
    expect(_status(glt)).to_have_text("Question sent to the Panel.")
    expect(glt.locator(".tag").first).to_have_text("More information requested")

    # Daniel Hughes made the request: his home page says GLT asked, and he answers.
    panel2 = world.open("panel2", "/staff/")
    panel2.get_by_role("link", name="GLT asked for more information on 1 request").click()
    panel2.get_by_role("link", name=ref).click()
    expect(panel2.get_by_text("Which serious incident was it?")).to_be_visible()
    panel2.get_by_role("link", name="Answer and send back").click()
    expect(_h1(panel2)).to_have_text("Request to restrict contact")
    expect(panel2.get_by_text("The Group Leadership Team asked:")).to_be_visible()
    world.look(panel2, "1-request-edit")
    # Each point needs its evidence, so none is labelled optional.
    first_point = panel2.get_by_role(
        "textbox",
        name="The complaint or service request has been responded to properly",
        exact=True,
    )
    evidence = first_point.input_value()
    first_point.fill("")
    send = panel2.get_by_role("button", name="Send to the Group Leadership Team")
    send.click()
    _expect_errors(panel2, js, "Give the evidence for each point before asking GLT")
    world.look(panel2, "1-request-edit-errors")
    first_point.fill(evidence)
    waiver = panel2.get_by_label("Why this cannot wait for a final warning")
    waiver.fill(waiver.input_value() + " Police reference MP-2026-0415.")
    send.click()
    expect(_status(panel2)).to_have_text("Request sent back to the Group Leadership Team.")
    expect(panel2.locator(".tag").first).to_have_text("Waiting for the Group Leadership Team")

    # GLT approves with changes; leaving out the dates is refused first.
    glt.goto(f"/staff/restriction-requests/{world.ids['request']}")
    glt.get_by_role("radio", name="Approve with changes").check()
    glt.get_by_label("Reasons for the decision").fill(
        "Threats of violence; dealing only through the adviser is proportionate."
    )
    glt.get_by_role("button", name="Record decision").click()
    _expect_errors(glt, js, "Enter the start date", "Enter the review date")
    world.look(glt, "1-decision-errors")
    glt.get_by_role("textbox", name=re.compile("^Third-party representative")).fill(
        "Sam Lee, housing options adviser"
    )
    glt.get_by_label("Why this restriction is needed").fill(
        "You threatened a colleague with violence in our office."
    )
    glt.get_by_label("Start date").fill(_today().isoformat())
    glt.get_by_label("Review date").fill((_today() + timedelta(days=150)).isoformat())
    glt.get_by_role("button", name="Record decision").click()
    expect(_status(glt)).to_have_text("Decision recorded: Approved with changes.")
    expect(_h1(glt)).to_have_text("Check the decision letter before you send it")

    # Grace Okafor (Panel) sends the letter: her home page lists it.
    panel = world.open("panel", "/staff/")
    panel.get_by_role("link", name="1 approved restriction waits for its decision letter").click()
    panel.get_by_role("link", name=ref).click()
    panel.get_by_role("link", name="prepare the decision letter").click()
    expect(_h1(panel)).to_have_text("Check the decision letter before you send it")
    preview = panel.locator("#letter-preview")
    expect(preview).to_contain_text("Sam Lee, housing options adviser")
    deadline = preview.get_by_role("heading", level=2).first
    by_post = deadline.inner_text()
    assert by_post.startswith("Appeal deadline: ")
    world.look(panel, "1-decision-letter", shots=True)  # no JavaScript: an "Update" button

    # The appeal deadline counts from the day the customer is told: sooner in the portal.
    if js:
        panel.evaluate("window.__sameDocument = true")
        panel.get_by_role("radio", name="In the customer portal").check()
        expect(deadline).not_to_have_text(by_post)
        assert panel.evaluate("window.__sameDocument") is True, "the page reloaded"
        expect(panel.locator("#live-region")).to_contain_text("Preview updated: appeal by")
        # Focus stays on the radio the user chose, not lost with the swapped preview.
        expect(panel.get_by_role("radio", name="In the customer portal")).to_be_focused()
        expect(panel.get_by_role("button", name="Update preview")).to_be_hidden()
        assert_accessible(panel, "decision letter after the live preview")
    else:
        panel.get_by_role("radio", name="In the customer portal").check()
        panel.get_by_role("button", name="Update preview").click()
        expect(deadline).not_to_have_text(by_post)
        expect(panel.get_by_role("radio", name="In the customer portal")).to_be_checked()
        expect(panel.locator(".error-summary")).to_have_count(0)
    screenshot(panel, f"rj-{world.mode}-1-decision-letter-portal")
    panel.get_by_role("button", name="Issue the letter").click()

    expect(_status(panel)).to_contain_text("Decision letter issued.")
    expect(_h1(panel)).to_contain_text("Letter issued on")
    expect(panel.get_by_text("Unchanged since issue")).to_be_visible()
    world.look(panel, "1-decision-letter-issued")
    _pdf_is_served(panel, "Download as PDF")
    _pdf_is_served(panel, "Download in large print (PDF)")

    # Every colleague now sees the restriction on Hannah's record.
    colleague = world.open("colleague", f"/staff/customers/{world.ids['hannah']}")
    flag = colleague.get_by_role("region", name="Contact is restricted: what IS allowed")
    expect(flag).to_contain_text("Sam Lee, housing options adviser")


@pytest.mark.policy("8.21")
@pytest.mark.policy("4.6")
def test_a_colleague_reads_what_contact_is_allowed_first_on_a_small_screen(world):
    page = world.open("colleague", f"/staff/customers/{world.ids['deborah']}", **NARROW)
    flag = page.get_by_role("region", name="Contact is restricted: what IS allowed")
    # Straight after the health and safety alert, before anything else on the record.
    order = page.evaluate(
        """() => [...document.querySelectorAll('main h2, main .button')]
               .slice(0, 3).map(e => e.textContent.trim())"""
    )
    assert order == [
        "Health and safety alert",
        "Contact is restricted: what IS allowed",
        "Report an incident about this customer",
    ], order
    # What IS allowed, with whom, and until when.
    expect(flag).to_contain_text("Contact only through Tom Whitfield")
    expect(flag).to_contain_text("Contact by email only")
    expect(flag).to_contain_text(re.compile(r"until reviewed, on or before \w+day \d+ \w+ \d{4}"))
    # The routes that are always open, with the numbers to give the customer.
    expect(flag).to_contain_text("Complaints can always be made.")
    expect(flag).to_contain_text("0161 000 0001")
    expect(flag).to_contain_text("0161 000 0999")
    top = flag.bounding_box()["y"]
    assert top < 3 * NARROW["height"], f"the flag starts {top}px down the page"
    assert_no_horizontal_scroll(page, NARROW["width"])
    screenshot(page, f"rj-{world.mode}-2-flag-colleague-320")
    if world.js:
        assert_accessible(page, "restricted customer's record at 320px")


@pytest.mark.policy("10.1")
def test_panel_lifts_a_restriction_at_review_then_reintroduces_it(world):
    js = world.js
    panel = world.open("panel", "/staff/")
    panel.get_by_role("link", name="2 restriction reviews due in the next 14 days").click()
    expect(_h1(panel)).to_have_text("Restriction reviews due")
    world.look(panel, "3-reviews-due")
    panel.get_by_role("link", name="Deborah Nolan (Contact only by one named channel)").click()
    expect(_h1(panel)).to_have_text("Review the restriction")
    expect(panel.locator("main .notice").first).to_contain_text("Contact by email only")
    world.look(panel, "3-review")

    record = panel.get_by_role("button", name="Record review and write to the customer")
    record.click()
    _expect_errors(panel, js, "Choose continue, vary or lift", "Give the reasons for the decision")
    world.look(panel, "3-review-errors")
    panel.get_by_label("Behaviour since the restriction started").fill(
        "No abusive emails or calls since the restriction began."
    )
    panel.get_by_role("radio", name="Lift the restriction").check()
    panel.get_by_label("Reasons (told to the customer)").fill(
        "Your contact with us has been polite and reasonable for six months."
    )
    record.click()
    expect(_status(panel)).to_have_text("Review recorded and the customer's letter issued.")
    expect(_h1(panel)).to_contain_text("Letter issued on")
    world.look(panel, "3-review-letter")

    # The behaviour starts again: the lifted restriction comes back at once.
    panel.goto(f"/staff/customers/{world.ids['deborah']}")
    restrictions = panel.get_by_role("table", name="Restrictions")
    expect(restrictions).to_contain_text("Lifted at review")
    restrictions.get_by_role("link", name="Reintroduce (Contact only by one named channel)").click()
    expect(_h1(panel)).to_have_text("Reintroduce the restriction")
    world.look(panel, "3-reintroduce")
    again = panel.get_by_role("button", name="Reintroduce now")
    again.click()
    _expect_errors(panel, js, "Say what behaviour started again", "Enter the review date")
    world.look(panel, "3-reintroduce-errors")
    panel.get_by_label("What behaviour started again?").fill(
        "Eleven abusive emails to the repairs team in two days."
    )
    panel.get_by_label("Review date").fill((_today() + timedelta(days=90)).isoformat())
    again.click()
    expect(_status(panel)).to_contain_text("Restriction reintroduced with immediate effect.")
    expect(
        panel.get_by_role("region", name="Contact is restricted: what IS allowed")
    ).to_contain_text("Contact by email only")
    # The customer must be told: the record leads straight to the decision letter.
    panel.get_by_role("link", name="Send the decision letter").click()
    expect(_h1(panel)).to_have_text("Check the decision letter before you send it")
    expect(panel.locator("#letter-preview")).to_contain_text("email")
    panel.get_by_role("button", name="Issue the letter").click()
    expect(_status(panel)).to_contain_text("Decision letter issued.")


@pytest.mark.policy("10.1")
def test_panel_varies_a_restriction_at_review_and_the_flag_follows(world):
    """Deborah's named-manager restriction becomes calls at set times: a review more than six
    months away, and a "variation" that changes nothing, are refused first."""
    js = world.js
    panel = world.open("panel", "/staff/reviews")
    panel.get_by_role("link", name="Deborah Nolan (Contact only through one named manager)").click()
    expect(_h1(panel)).to_have_text("Review the restriction")
    panel.get_by_label("Behaviour since the restriction started").fill(
        "Calls are calmer, but several a day still come in about the same repair."
    )
    panel.get_by_role("radio", name="Continue the restriction").check()
    panel.get_by_label("Reasons (told to the customer)").fill(
        "Calls at one set time a week will let us answer you fully."
    )
    panel.get_by_label("Next review").fill((_today() + timedelta(days=200)).isoformat())
    record = panel.get_by_role("button", name="Record review and write to the customer")
    record.click()
    _expect_errors(panel, js, "Restrictions are reviewed at least every 6 months (§10.1)")

    panel.get_by_role("radio", name="Vary the restriction").check()
    panel.get_by_label("Next review").fill((_today() + timedelta(days=120)).isoformat())
    record.click()
    # The form starts from the terms in force; changing nothing is not a variation.
    _expect_errors(
        panel,
        js,
        "The varied restriction is the same as the one in force: change its terms, "
        "or choose to continue it",
    )
    world.look(panel, "4-vary-errors")
    panel.get_by_role(
        "radio", name="Calls only on set days and times, or under a contact agreement"
    ).check()
    panel.get_by_label("Days and times, or the contact agreement").fill(
        "Tuesdays between 10am and 11am, with Tom Whitfield"
    )
    panel.get_by_label("Why this restriction is needed (told to the customer)").fill(
        "Several calls a day about one repair took colleagues away from other tenants."
    )
    record.click()
    expect(_status(panel)).to_have_text("Review recorded and the customer's letter issued.")
    expect(_h1(panel)).to_contain_text("Letter issued on")
    letter = panel.locator("main")
    expect(letter).to_contain_text("Tuesdays between 10am and 11am, with Tom Whitfield")
    # A varied restriction is a new decision, so the letter gives the appeal deadline.
    expect(letter).to_contain_text(re.compile(r"until \w+day \d+ \w+ \d{4} to appeal"))
    world.look(panel, "4-vary-letter")

    colleague = world.open("colleague", f"/staff/customers/{world.ids['deborah']}")
    flag = colleague.get_by_role("region", name="Contact is restricted: what IS allowed")
    expect(flag).to_contain_text("Tuesdays between 10am and 11am, with Tom Whitfield")
    expect(flag).not_to_contain_text("Contact only through Tom Whitfield")


@pytest.mark.policy("8.15")
def test_panel_suggests_an_arrangement_with_a_live_preview_and_records_an_answer(world):
    js = world.js
    panel = world.open("panel", f"/staff/customers/{world.ids['emeka']}")
    panel.get_by_role("link", name="Suggest an informal arrangement (§8.15)").click()
    expect(_h1(panel)).to_have_text("Suggest an informal arrangement")
    world.look(panel, "4-arrangement")

    approve = panel.get_by_role("button", name="Approve and send to the customer")
    approve.click()
    _expect_errors(panel, js, "Choose at least one part of the arrangement")
    world.look(panel, "4-arrangement-errors")

    preview = panel.locator("#arrangement-preview")
    if js:
        panel.evaluate("window.__sameDocument = true")
    panel.get_by_role("checkbox", name="Calls at an agreed time").check()
    panel.get_by_role("group", name=re.compile("Day for calls")).get_by_role(
        "radio", name="Tuesday"
    ).check()
    panel.get_by_label("Calls from").fill("10:00")
    panel.get_by_label("Calls until").fill("11:00")
    panel.get_by_role("checkbox", name="A limit on the length of phone calls").check()
    panel.get_by_label("Longest call, in minutes").fill("20")
    panel.get_by_label("Why we suggest it (the customer reads this)").fill(
        "Calls at a set time mean the right person is ready to help you."
    )
    panel.get_by_label("Review the arrangement by").fill(
        (_today() + timedelta(days=90)).isoformat()
    )
    if js:
        # The preview follows the form as it is filled in, without a reload or a click.
        expect(preview.locator(".letter")).to_contain_text("Tuesday")
        expect(preview.locator(".letter")).to_contain_text("20 minutes")
        assert panel.evaluate("window.__sameDocument") is True, "the page reloaded"
        expect(panel.locator("#live-region")).to_have_text("Letter preview updated")
        # The swap leaves focus where the user is typing.
        expect(panel.get_by_label("Review the arrangement by")).to_be_focused()
        assert_accessible(panel, "arrangement with its live preview")
    else:
        panel.get_by_role("button", name="Preview the letter").click()
        expect(preview.locator(".letter")).to_contain_text("Tuesday")
        expect(panel.get_by_label("Longest call, in minutes")).to_have_value("20")
    screenshot(panel, f"rj-{world.mode}-4-arrangement-preview")
    # Nothing on Emeka Obi's record reaches him: the page says so, and by hand it goes.
    expect(panel.locator("#only-by-hand")).to_contain_text("can only be given to them by hand")
    panel.get_by_label("By hand").check()
    approve.click()
    expect(_status(panel)).to_have_text(
        "Arrangement approved and the letter issued to the customer."
    )
    expect(_h1(panel)).to_have_text("Emeka Obi")
    expect(panel.locator("main")).to_contain_text("Waiting for the customer's answer")

    # Connor Walsh phoned to agree to the arrangement waiting for his answer.
    panel.goto(f"/staff/customers/{world.ids['connor']}")
    panel.get_by_role("link", name="Record the customer's answer").click()
    expect(_h1(panel)).to_have_text("Record the customer's answer")
    world.look(panel, "4-answer")
    record = panel.get_by_role("button", name="Record answer")
    record.click()
    _expect_errors(
        panel,
        js,
        "Choose agree, decline or propose a change",
        "Say how the customer gave their answer",
    )
    world.look(panel, "4-answer-errors")
    panel.get_by_role("radio", name="Agrees").check()
    panel.get_by_role("radio", name="By phone").check()
    record.click()
    expect(_status(panel)).to_have_text("The customer's answer is recorded.")
    expect(panel.get_by_role("region", name="Agreed contact arrangement")).to_be_visible()

    # Ending an arrangement asks why.
    panel.get_by_role("link", name="End this arrangement").first.click()
    expect(_h1(panel)).to_have_text("End the arrangement")
    world.look(panel, "4-end")
    panel.get_by_role("button", name="End arrangement").click()
    _expect_errors(panel, js, "Say why the arrangement is ending")
    world.look(panel, "4-end-errors")


@pytest.mark.policy("9.5")
def test_panel_logs_reads_checks_and_files_correspondence(world):
    js = world.js
    panel = world.open("panel", f"/staff/customers/{world.ids['imran']}")
    panel.get_by_role("link", name="Correspondence received while contact is ended").click()
    expect(_h1(panel)).to_have_text("Correspondence while contact is ended")
    world.look(panel, "5-correspondence")

    log = panel.get_by_role("button", name="Log item")
    log.click()
    _expect_errors(panel, js, "Enter the date it was received", "Summarise what it says")
    world.look(panel, "5-correspondence-errors")
    panel.get_by_label("Date received").fill(_today().isoformat())
    panel.get_by_role("radio", name="Email").check()
    summary = "Email asking when the fence will be repaired."
    panel.get_by_label("What does it say?").fill(summary)
    log.click()
    expect(_status(panel)).to_contain_text("Logged.")

    item = panel.locator("section.card").filter(has_text=summary)
    expect(item).to_contain_text("Logged, not yet read")
    item.get_by_role("button", name="I have read it").click()
    expect(_status(panel)).to_have_text("Marked as read.")
    expect(item).to_contain_text("Read, not yet checked")
    expect(item).to_be_in_viewport()  # the page comes back at the item just handled
    world.look(panel, "5-correspondence-check")
    item.get_by_role("button", name="Record check").click()
    expect(_status(panel)).to_have_text("Check recorded.")
    expect(item).to_contain_text("Nothing new and no safeguarding concern.")
    item.get_by_role("button", name="Acknowledge and file").click()
    expect(_status(panel)).to_contain_text("Acknowledged and filed")
    expect(item).to_contain_text("Acknowledged and filed")
    item.get_by_role("link", name="Acknowledgement letter").click()
    expect(_h1(panel)).to_contain_text("Letter issued on")
    world.look(panel, "5-acknowledgement-letter")


def test_administrator_sets_the_routes_that_letters_and_flags_print(world):
    js = world.js
    admin = world.open("admin", "/staff/")
    admin.get_by_role("navigation", name="Staff menu").get_by_role(
        "link", name="Organisation"
    ).click()
    expect(_h1(admin)).to_have_text("Organisation details")
    world.look(admin, "6-organisation")

    days = admin.get_by_label("Working days after posting that a letter counts as received")
    days.fill("99")
    save = admin.get_by_role("button", name="Save details")
    save.click()
    _expect_errors(admin, js, "Enter a number of working days from 0 to 10")
    world.look(admin, "6-organisation-errors")
    days.fill("2")
    admin.get_by_label("How to make a complaint").fill(
        "Make a complaint on 0161 000 0123 or complaints@demo.example"
    )
    save.click()
    expect(_status(admin)).to_have_text("Organisation details saved.")

    colleague = world.open("colleague", f"/staff/customers/{world.ids['imran']}")
    flag = colleague.get_by_role("region", name="Contact is restricted: what IS allowed")
    expect(flag).to_contain_text("0161 000 0123")


@pytest.mark.policy("8.17")
@pytest.mark.policy("8.19")
def test_panel_asks_to_restrict_contact_and_glt_rejects_it(world):
    """A new request for Deborah, who has a final warning: the form refuses a request with no
    proposal, then GLT rejects it with reasons and nothing changes on her record."""
    js = world.js
    panel = world.open("panel", f"/staff/customers/{world.ids['deborah']}/restriction-requests/new")
    expect(_h1(panel)).to_have_text("Request to restrict contact")
    expect(panel.get_by_text(re.compile(r"Final warning issued on \w+day"))).to_be_visible()
    send = panel.get_by_role("button", name="Send to the Group Leadership Team")
    send.click()
    _expect_errors(
        panel, js, "Select the restriction you propose", "Describe the restriction you propose"
    )
    world.look(panel, "5-request-errors")
    for label in (
        "The complaint or service request has been responded to properly",
        "We have followed all our policies and procedures",
        "The decisions we have reached are the right ones",
        "Our communications with the customer were adequate",
        "The customer is not giving significant new information",
        "We have clear records of excessive contact or unreasonable behaviour",
        "We have made referrals to external agencies where appropriate",
    ):
        panel.get_by_role("textbox", name=label, exact=True).fill(f"Checked on the file: {label}.")
    panel.get_by_role(
        "checkbox", name="Contact only through an agreed third-party representative"
    ).check()
    panel.get_by_label("The proposal, and why it is proportionate").fill(
        "Contact only through her tenancy support worker while the email restriction runs."
    )
    # §4.5 and §4.7 must be answered before GLT is asked.
    send.click()
    _expect_errors(
        panel,
        js,
        "Say whether a representative, relative or support worker was considered (§4.5)",
        "Say whether an Equality Impact Assessment was needed (§4.7)",
    )
    panel.get_by_role("group", name=re.compile("^Was a representative")).get_by_role(
        "radio", name="Yes"
    ).check()
    panel.get_by_label("What was decided, and why").fill(
        "Her tenancy support worker agreed to help her with our letters."
    )
    panel.get_by_role("group", name=re.compile("^Was an Equality Impact Assessment")).get_by_role(
        "radio", name="No"
    ).check()
    send.click()
    expect(_status(panel)).to_contain_text("sent to the Group Leadership Team.")
    expect(panel.get_by_text("Her tenancy support worker agreed to help")).to_be_visible()
    ref = _h1(panel).text_content().strip()
    expect(panel.locator(".tag").first).to_have_text("Waiting for the Group Leadership Team")

    # The person who wrote it cannot decide it; GLT can, and must say why it rejects it.
    expect(panel.get_by_role("button", name="Record decision")).to_have_count(0)
    glt = world.open("glt", panel.url)
    expect(_h1(glt)).to_have_text(ref)
    glt.get_by_role("radio", name="Reject").check()
    record = glt.get_by_role("button", name="Record decision")
    record.click()
    _expect_errors(glt, js, "Give the reasons for the decision")
    glt.get_by_label("Reasons for the decision").fill(
        "The email-only restriction is working; a second restriction is not proportionate."
    )
    record.click()
    expect(_status(glt)).to_have_text("Decision recorded: Rejected.")
    expect(glt.locator(".tag").first).to_have_text("Rejected")
    expect(glt.get_by_text("a second restriction is not proportionate")).to_be_visible()
    expect(glt.get_by_role("link", name="prepare the decision letter")).to_have_count(0)
    world.look(glt, "5-request-rejected")

    # Deborah's record still shows only what was in force before.
    colleague = world.open("colleague", f"/staff/customers/{world.ids['deborah']}")
    flag = colleague.get_by_role("region", name="Contact is restricted: what IS allowed")
    expect(flag).to_contain_text("Contact by email only")
    expect(flag).not_to_contain_text("representative")
