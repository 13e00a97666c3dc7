"""Browser helpers: sign in through the real form, run axe, take screenshots, check basics."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD, demo_totp_secret

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BEST_PRACTICE = "best-practice"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
HTMX_VERSION = "2.0.11"

_axe = Axe()
# The last time-step each authenticator key gave a code for, in this test run, by the portal
# it was given to (each live server keeps its own record of the codes it has taken) and secret.
_last_step: dict[tuple[str, str], int] = {}


def email_for(role: str) -> str:
    return f"{role}@demo.example"


def unused_code(secret: str, portal: str = "") -> str:
    """A code from the authenticator app holding ``secret`` that the portal at ``portal`` (its
    address) has not taken yet.

    A portal takes each time-step's code once, and also the next step's (valid_window=1): a
    second sign-in there within the same 30 seconds gives the next step's code, and a third
    waits. Another live server, on a database of its own, has taken none of them.
    """
    totp = pyotp.TOTP(secret)
    key = (portal, secret)
    while True:
        now = time.time()
        current = int(now // totp.interval)
        step = max(current, _last_step.get(key, -1) + 1)
        if step <= current + 1:
            break
        time.sleep((current + 1) * totp.interval - now + 0.2)
    _last_step[key] = step
    return totp.at(step * totp.interval)


def sign_in_with_form(page: Page, role: str) -> None:
    """Sign in as the demo member of staff for ``role`` by filling in the sign-in form, and
    the code from the demo authenticator key for roles that need a second factor."""
    email = email_for(role)
    page.goto("/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/staff/sign-in(\?|$)"))
    if "/staff/sign-in/code" in page.url:
        portal = urlsplit(page.url)
        page.get_by_label("Code from your authenticator app").fill(
            unused_code(demo_totp_secret(email), f"{portal.scheme}://{portal.netloc}")
        )
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


def axe_violations(page: Page, tags: list[str]) -> tuple[int, str]:
    results = _axe.run(
        page, options={"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]}
    )
    return results.violations_count, results.generate_report()


def assert_accessible(page: Page, name: str = "") -> None:
    """Assert axe finds no WCAG 2.2 A/AA violations and none of its best-practice rules broken.

    Best practice (landmarks, region, heading-order, page-has-heading-one...) runs in the same
    pass as the WCAG rules: one injection of axe per page keeps the suite quick.
    """
    _settled(page)
    count, report = axe_violations(page, [*WCAG_TAGS, BEST_PRACTICE])
    assert count == 0, f"axe violations on {name or page.url}:\n{report}"


def screenshot(page: Page, name: str) -> Path | None:
    """Keep a full-page picture in test-artifacts/screenshots when PORTAL_SCREENSHOTS=1 (to look
    at the pages); otherwise take none, as a picture is a fifth of a page check's time."""
    if os.environ.get("PORTAL_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _settled(page: Page) -> None:
    """Wait for the page's load event. A locator check such as the heading's text passes as soon
    as the new page's HTML arrives, before its stylesheet applies; measured then, an unstyled
    table is wider than the screen, and axe would judge colours the page does not have."""
    page.wait_for_load_state("load")


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    _settled(page)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px ({scroll_width}px)"


def check_page(page: Page, name: str) -> None:
    """Screenshot the page (PORTAL_SCREENSHOTS=1), then run axe on it."""
    screenshot(page, name)
    assert_accessible(page, name)
