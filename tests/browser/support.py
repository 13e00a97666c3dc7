"""Browser helpers: sign in through the real form, run axe, take screenshots, check basics."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BEST_PRACTICE = "best-practice"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
HTMX_VERSION = "2.0.11"

_axe = Axe()


def email_for(role: str) -> str:
    return f"{role}@demo.example"


def sign_in_with_form(page: Page, role: str) -> None:
    """Sign in as the demo member of staff for ``role`` by filling in the sign-in form."""
    page.goto("/staff/sign-in")
    page.get_by_label("Email address").fill(email_for(role))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
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
    count, report = axe_violations(page, [*WCAG_TAGS, BEST_PRACTICE])
    assert count == 0, f"axe violations on {name or page.url}:\n{report}"


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px ({scroll_width}px)"


def check_page(page: Page, name: str) -> None:
    """Screenshot the page, then run axe on it."""
    screenshot(page, name)
    assert_accessible(page, name)
