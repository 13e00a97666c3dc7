"""Cross-cutting checks: the axe helper itself, htmx and its SRI hash, keyboard use, focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import (
    BEST_PRACTICE,
    HTMX_VERSION,
    WCAG_TAGS,
    assert_accessible,
    assert_no_horizontal_scroll,
    axe_violations,
    screenshot,
)

pytestmark = pytest.mark.browser

BAD_PAGE = """<!doctype html>
<html lang="en"><head><title>Deliberately bad</title></head>
<body><main><h1>Deliberately bad</h1>
<input type="text" name="unlabelled">
<p style="color: #bbbbbb; background: #ffffff">Pale grey text nobody can read</p>
<h4>A heading that skips two levels</h4>
</main><p>Text outside every landmark</p></body></html>"""


def test_axe_helper_catches_a_deliberately_bad_page(page):
    page.set_content(BAD_PAGE)
    count, report = axe_violations(page, WCAG_TAGS)
    assert count >= 2
    assert "label - " in report and "color-contrast - " in report, report
    count, report = axe_violations(page, [BEST_PRACTICE])
    assert "heading-order - " in report and "region - " in report, report
    with pytest.raises(AssertionError, match="color-contrast"):
        assert_accessible(page, "the deliberately bad page")


@pytest.mark.parametrize(("role", "path"), [("colleague", "/staff/customers")])
def test_htmx_loads_with_its_integrity_hash(open_as, role, path):
    # A wrong sha384 makes Chromium refuse the script, so this also guards the SRI hash.
    page = open_as(role, path)
    assert page.evaluate("htmx.version") == HTMX_VERSION
    assert page.evaluate("htmx.config.responseHandling.some(r => r.code === '422' && r.swap)")


@pytest.mark.parametrize("path", ["/", "/staff/sign-in"])
def test_point13_htmx_is_not_loaded_on_pages_that_do_not_use_it(open_as, path):
    page = open_as(None, path)
    assert page.evaluate("typeof htmx") == "undefined"


def test_htmx_loads_on_staff_pages(open_as):
    page = open_as("panel", "/staff/register")
    assert page.evaluate("htmx.version") == HTMX_VERSION


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize(
    ("role", "path"), [(None, "/"), (None, "/staff/sign-in"), ("colleague", "/staff/")]
)
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(open_as, role, path, js):
    page = open_as(role, path, js=js)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({cls: document.activeElement.className, text: document.activeElement.textContent})"
    )
    assert focused == {"cls": "skip-link", "text": "Skip to main content"}
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


STYLE = """e => { const s = getComputedStyle(e);
    return {outline: s.outlineStyle === 'none' ? 'none' : `${s.outlineWidth} ${s.outlineColor}`,
            shadow: s.boxShadow, background: s.backgroundColor, color: s.color}; }"""


@pytest.mark.parametrize(("role", "path"), [("panel", "/staff/register"), (None, "/staff/sign-in")])
def test_focus_is_visible_on_every_tab_stop(open_as, role, path):
    page = open_as(role, path)
    seen = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        element = page.evaluate_handle("document.activeElement")
        tag = element.evaluate("e => e.tagName.toLowerCase()")
        if tag == "body":
            break  # past the last tab stop
        if not element.evaluate("e => e.matches(':focus')"):
            continue  # a date input's inner day/month/year fields: Tab again
        name = element.evaluate("e => e.id || e.textContent.trim().slice(0, 30) || e.name")
        focused = element.evaluate(STYLE)
        element.evaluate("e => e.blur()")  # Tab carries on from here (sequential focus point)
        unfocused = element.evaluate(STYLE)
        assert focused != unfocused, f"focus on <{tag}> {name!r} looks the same as no focus"
        assert focused["outline"] != "none" or focused["shadow"] != "none", (tag, name, focused)
        seen.add(tag)
    assert {"a", "button", "input"} <= seen, f"tabbed through only {seen}"


def test_a_table_that_scrolls_sideways_can_be_reached_with_the_keyboard(open_as):
    # On a phone the rows stack (nothing to scroll); just wider, the table keeps its columns,
    # and one wider than the screen scrolls in its box (made wide here, as a long name would).
    page = open_as("admin", "/staff/admin/users", width=320, height=640)
    wrap = page.locator(".table-wrap")
    expect(wrap.locator("td[data-label]").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    expect(wrap).not_to_have_attribute("tabindex", "0")
    page.evaluate("document.querySelector('.table-wrap > table').style.minWidth = '1000px'")
    page.set_viewport_size({"width": 700, "height": 640})
    expect(wrap).to_have_attribute("tabindex", "0")
    expect(wrap).to_have_attribute("role", "region")
    expect(wrap).to_have_attribute("aria-label", "Staff accounts")
    wrap.focus()
    page.keyboard.press("ArrowRight")
    expect(wrap).not_to_have_js_property("scrollLeft", 0)
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(wrap).not_to_have_attribute("tabindex", "0")  # no stray tab stop once it fits


@pytest.mark.parametrize("language", ["ur", "ar"])
def test_start_page_right_to_left_at_320px(browser, base_url, language):
    context = browser.new_context(
        base_url=base_url, locale=language, viewport={"width": 320, "height": 640}
    )
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", language)
        screenshot(page, f"320-start-{language}")
        assert_no_horizontal_scroll(page, 320)
        assert_accessible(page, f"start page in {language}")
    finally:
        context.close()
