"""A late appeal step in Chromium: the customer's progress page says it is late, says sorry and
gives the new date, and passes axe in English and Urdu (issue 16, point 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.support import Translations
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.appeals.models import Appeal
from portal.config import BASE_DIR
from portal.customers.models import Customer
from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import serve_demo
from tests.browser.support import assert_accessible, screenshot

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
@pytest.mark.parametrize("lang", ["en", "ur"])
def test_a_late_step_on_the_progress_page_is_told_as_late_and_passes_axe(
    browser, late_appeal, lang
):
    url, appeal_id = late_appeal
    context = browser.new_context(
        base_url=url,
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
        assert_accessible(page, f"appeal progress with a late step, {lang}")
        screenshot(page, f"customer-appeal-progress-late-{lang}")
    finally:
        context.close()
