"""Every page, as each role that can see it, passes axe (WCAG 2.2 AA and best practice)."""

from __future__ import annotations

import pytest

from tests.browser.support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    check_page,
    screenshot,
)

pytestmark = pytest.mark.browser

ALL_STAFF = ["colleague", "manager", "panel", "csm", "glt", "cem", "admin"]

# (screenshot name, role or None, path built from the demo ids, expected HTTP status)
PAGES = [
    ("start", None, lambda d: "/", 200),
    ("privacy", None, lambda d: "/privacy", 200),
    ("sign-in", None, lambda d: "/staff/sign-in", 200),
    *[(f"home-{role}", role, lambda d: "/staff/", 200) for role in ALL_STAFF],
    ("customers-search", "colleague", lambda d: "/staff/customers?q=Jones", 200),
    ("customers-search-panel", "panel", lambda d: "/staff/customers?q=C-1000", 200),
    ("customers-empty", "colleague", lambda d: "/staff/customers?q=nobody-at-all", 200),
    (
        "customer-alert-colleague",
        "colleague",
        lambda d: f"/staff/customers/{d.customers['C-100004']}",
        200,
    ),
    ("customer-alert-panel", "panel", lambda d: f"/staff/customers/{d.customers['C-100004']}", 200),
    ("customer-alert-glt", "glt", lambda d: f"/staff/customers/{d.customers['C-100004']}", 200),
    (
        "customer-vulnerable-panel",
        "panel",
        lambda d: f"/staff/customers/{d.customers['C-100006']}",
        200,
    ),
    (
        "customer-relative-manager",
        "manager",
        lambda d: f"/staff/customers/{d.customers['C-100007']}",
        200,
    ),
    ("customer-add", "colleague", lambda d: "/staff/customers/new", 200),
    (
        "customer-edit-panel",
        "panel",
        lambda d: f"/staff/customers/{d.customers['C-100006']}/edit",
        200,
    ),
    (
        "customer-edit-relative",
        "colleague",
        lambda d: f"/staff/customers/{d.customers['C-100007']}/edit",
        200,
    ),
    ("report-incident", "colleague", lambda d: "/staff/incidents/new", 200),
    (
        "report-incident-for-customer",
        "colleague",
        lambda d: f"/staff/incidents/new?customer={d.customers['C-100004']}",
        200,
    ),
    ("incident-awaiting-panel", "panel", lambda d: f"/staff/incidents/{d.awaiting_review}", 200),
    ("incident-reporter", "colleague", lambda d: f"/staff/incidents/{d.awaiting_decision}", 200),
    ("incident-warned", "glt", lambda d: f"/staff/incidents/{d.warned}", 200),
    ("incident-manager", "manager", lambda d: f"/staff/incidents/{d.awaiting_decision}", 200),
    ("incident-csm", "csm", lambda d: f"/staff/incidents/{d.awaiting_review}", 200),
    ("incident-cem", "cem", lambda d: f"/staff/incidents/{d.warned}", 200),
    ("decision-form", "manager", lambda d: f"/staff/incidents/{d.awaiting_decision}/decision", 200),
    (
        "request-cannot-send-yet",
        "panel",
        lambda d: f"/staff/customers/{d.customers['C-100010']}/restriction-requests/new",
        200,
    ),
    ("panel-queue", "panel", lambda d: "/staff/panel", 200),
    ("panel-queue-csm", "csm", lambda d: "/staff/panel", 200),
    ("review-form", "panel", lambda d: f"/staff/incidents/{d.awaiting_review}/review", 200),
    ("review-form-csm", "csm", lambda d: f"/staff/incidents/{d.awaiting_review}/review", 200),
    ("letter", "panel", lambda d: f"/staff/letters/{d.letter}", 200),
    ("letter-glt", "glt", lambda d: f"/staff/letters/{d.letter}", 200),
    ("register", "panel", lambda d: "/staff/register", 200),
    (
        "register-filtered",
        "panel",
        lambda d: "/staff/register?q=abus&category=aggressive&status=reviewed&outcome=warning",
        200,
    ),
    ("register-page-2", "panel", lambda d: "/staff/register?page=2", 200),
    ("register-bad-dates", "panel", lambda d: "/staff/register?from=2026-13-40&to=x", 422),
    ("register-csm", "csm", lambda d: "/staff/register", 200),
    ("closures", "admin", lambda d: "/staff/admin/closures", 200),
    ("users", "admin", lambda d: "/staff/admin/users", 200),
    ("user-access", "admin", lambda d: f"/staff/admin/users/{d.staff['colleague']}", 200),
    ("organisation", "admin", lambda d: "/staff/admin/organisation", 200),
    ("audit-admin", "admin", lambda d: "/staff/audit", 200),
    ("audit-cem", "cem", lambda d: "/staff/audit?page=2", 200),
    (
        "representative-add",
        "colleague",
        lambda d: f"/staff/customers/{d.customers['C-100004']}/representatives/new",
        200,
    ),
    (
        "subject-access",
        "cem",
        lambda d: f"/staff/customers/{d.customers['C-100004']}/subject-access",
        200,
    ),
    ("retention", "admin", lambda d: "/staff/admin/retention", 200),
    ("housing-data", "admin", lambda d: "/staff/admin/data", 200),
    ("import-customers", "admin", lambda d: "/staff/admin/import-customers", 200),
    ("api-tokens", "admin", lambda d: "/staff/admin/api-tokens", 200),
    (
        "adjustments",
        "colleague",
        lambda d: f"/staff/customers/{d.customers['C-100004']}/adjustments",
        200,
    ),
    ("themes-panel", "panel", lambda d: "/staff/themes", 200),
    ("themes-cem", "cem", lambda d: "/staff/themes", 200),
    ("register-reviews", "panel", lambda d: "/staff/panel/reviews-of-register", 200),
    ("incident-themes", "panel", lambda d: f"/staff/incidents/{d.awaiting_review}/themes", 200),
    (
        "equality-answers",
        "cem",
        lambda d: f"/staff/customers/{d.customers['C-100004']}/equality",
        200,
    ),
    ("equality-monitoring", "admin", lambda d: "/staff/equality", 200),
    ("impact-assessments", "panel", lambda d: "/staff/impact-assessments", 200),
    ("impact-assessment", "cem", lambda d: f"/staff/impact-assessments/{d.assessment}", 200),
    ("forbidden", "colleague", lambda d: "/staff/register", 403),
    ("not-found", "colleague", lambda d: "/staff/no-such-page", 404),
    ("not-found-signed-out", None, lambda d: "/no-such-page", 404),
]


@pytest.mark.parametrize(("name", "role", "path", "status"), PAGES, ids=[page[0] for page in PAGES])
def test_page_passes_axe(reading_page, demo, name, role, path, status):
    page = reading_page(role)
    response = page.goto(path(demo))
    assert response is not None and response.status == status
    check_page(page, name)


ERROR_FORMS = [
    ("sign-in-errors", None, "/staff/sign-in", "Sign in"),
    ("report-incident-errors", "colleague", "/staff/incidents/new", "Send report"),
    ("closures-errors", "admin", "/staff/admin/closures", "Add closure day"),
    ("users-errors", "admin", "/staff/admin/users", "Add account"),
    ("customer-add-errors", "colleague", "/staff/customers/new", "Add customer"),
]


@pytest.mark.parametrize(
    ("name", "role", "path", "button"), ERROR_FORMS, ids=[form[0] for form in ERROR_FORMS]
)
def test_form_with_errors_passes_axe(open_as, name, role, path, button):
    page = open_as(role, path)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=button, exact=True).click()
    assert posted.value.status == 422
    assert page.title().startswith("Error:")
    check_page(page, name)


def test_review_form_with_errors_passes_axe(open_as, demo):
    page = open_as("panel", f"/staff/incidents/{demo.awaiting_review}/review")
    page.get_by_role("button", name="Record review").click()
    assert page.title().startswith("Error:")
    check_page(page, "review-form-errors")


def test_the_panels_seriousness_judgement_with_errors_passes_axe(open_as, demo):
    page = open_as("panel", f"/staff/incidents/{demo.awaiting_review}")
    page.get_by_role("button", name="Record the Panel's judgement").click()
    assert page.title().startswith("Error:")
    check_page(page, "incident-seriousness-errors")


def test_customer_record_with_errors_passes_axe(open_as, demo):
    page = open_as("manager", f"/staff/customers/{demo.customers['C-100001']}")
    page.get_by_text("Log a contact").click()
    page.get_by_role("button", name="Log contact").click()
    assert page.title().startswith("Error:")
    check_page(page, "customer-contact-errors")


def test_likely_duplicates_pass_axe(open_as, demo):
    page = open_as("colleague", "/staff/customers/new")
    page.get_by_label("First name").fill("aled")
    page.get_by_label("Last name").fill("JONES")
    page.get_by_label("Tenant", exact=True).check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Add customer").click()
    assert posted.value.status == 422
    assert page.title().startswith("Error:")
    assert page.locator("#possible-matches a").first.is_visible()
    check_page(page, "customer-add-duplicates")


REFLOW = [
    ("start", None, lambda d: "/"),
    ("sign-in", None, lambda d: "/staff/sign-in"),
    ("home", "panel", lambda d: "/staff/"),
    ("customers", "colleague", lambda d: "/staff/customers?q=Jones"),
    ("customer", "panel", lambda d: f"/staff/customers/{d.customers['C-100004']}"),
    ("report-incident", "colleague", lambda d: "/staff/incidents/new"),
    ("customer-add", "colleague", lambda d: "/staff/customers/new"),
    ("incident", "panel", lambda d: f"/staff/incidents/{d.warned}"),
    ("decision", "manager", lambda d: f"/staff/incidents/{d.awaiting_decision}/decision"),
    ("panel-queue", "panel", lambda d: "/staff/panel"),
    ("review", "panel", lambda d: f"/staff/incidents/{d.awaiting_review}/review"),
    ("letter", "panel", lambda d: f"/staff/letters/{d.letter}"),
    ("register", "panel", lambda d: "/staff/register"),
    ("closures", "admin", lambda d: "/staff/admin/closures"),
    ("users", "admin", lambda d: "/staff/admin/users"),
    ("organisation", "admin", lambda d: "/staff/admin/organisation"),
    ("audit", "admin", lambda d: "/staff/audit"),
    # Restriction stage: long status tags, forms and a customer waiting for GLT or an answer.
    (
        "request-new",
        "panel",
        lambda d: f"/staff/customers/{d.customers['C-100003']}/restriction-requests/new",
    ),
    ("customer-arrangement", "panel", lambda d: f"/staff/customers/{d.customers['C-100003']}"),
    ("customer-requested", "panel", lambda d: f"/staff/customers/{d.customers['C-100008']}"),
    ("customer-terminated", "cem", lambda d: f"/staff/customers/{d.customers['C-100009']}"),
]


@pytest.mark.parametrize(("name", "role", "path"), REFLOW, ids=[r[0] for r in REFLOW])
def test_page_reflows_at_320px(reading_page, demo, name, role, path):
    page = reading_page(role, width=320, height=640)
    page.goto(path(demo))
    screenshot(page, f"320-{name}")
    assert_no_horizontal_scroll(page, 320)
    assert_accessible(page, f"{name} at 320px")
