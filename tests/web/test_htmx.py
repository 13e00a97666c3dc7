"""Customer search and the register: one URL serves the full page or, for htmx, the fragment.

Results and filters work the same with JavaScript off: a plain GET with a query string.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from portal import db
from portal.customers.models import CustomerType
from portal.customers.services import raise_alert
from portal.incidents.catalogue import Category
from portal.incidents.models import Incident
from tests.pages import check_fragment, check_page

HTMX = {"HX-Request": "true"}


@pytest.fixture
def customers(make_customer, people, clock):
    jones = make_customer(forename="Gwen", surname="Jones", reference="C-100001")
    jonas = make_customer(forename="Pete", surname="Jonas", reference="C-100002")
    smith = make_customer(
        forename="Sam", surname="Smith", reference="C-100003", customer_type=CustomerType.VISITOR
    )
    raise_alert(people.panel, clock.now, jones, "Dog in the garden", "Ring ahead")
    db.session.commit()
    return {"jones": jones, "jonas": jonas, "smith": smith}


def _names(soup, root_id: str) -> list[str]:
    return [a.get_text(strip=True) for a in soup.select(f"#{root_id} li a")]


def test_customer_search_is_a_plain_get_form(client, act_as, customers):
    act_as("colleague")
    soup = check_page(client.get("/staff/customers"))
    form = soup.find("form", attrs={"role": "search"})
    assert form["method"] == "get" and form["action"] == "/staff/customers"
    assert form.find("input", attrs={"name": "q"})
    assert form.find("button", attrs={"type": "submit"}), "the search works without JavaScript"
    assert form["hx-target"] == "#customer-results"


def test_customer_search_works_as_a_full_page_without_javascript(client, act_as, customers):
    act_as("colleague")
    soup = check_page(client.get("/staff/customers?q=jon"))
    assert _names(soup, "customer-results") == ["Pete Jonas", "Gwen Jones"]
    assert soup.find(id="q")["value"] == "jon", "the search box keeps what was typed"
    assert "2 customers found" in soup.find(id="customer-results").get_text()


def test_customer_search_returns_only_the_results_to_htmx(client, act_as, customers):
    act_as("colleague")
    response = client.get("/staff/customers?q=jon", headers=HTMX)
    soup = check_fragment(response, "customer-results")
    assert _names(soup, "customer-results") == ["Pete Jonas", "Gwen Jones"]
    assert soup.select_one("#customer-results .tag").get_text() == "Safety alert"


def test_customer_search_by_reference_and_no_match(client, act_as, customers):
    act_as("colleague")
    soup = check_fragment(
        client.get("/staff/customers?q=c-100003", headers=HTMX), "customer-results"
    )
    assert _names(soup, "customer-results") == ["Sam Smith"]
    soup = check_fragment(client.get("/staff/customers?q=zzz", headers=HTMX), "customer-results")
    assert "No customers match" in soup.get_text()


def test_a_history_restore_gets_the_full_page(client, act_as, customers):
    """htmx asks for the whole page when restoring history: it must not get a fragment."""
    act_as("colleague")
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    check_page(client.get("/staff/customers?q=jon", headers=headers))


def test_the_fragment_and_the_page_vary_on_hx_request(client, act_as, customers):
    act_as("colleague")
    for headers in ({}, HTMX):
        response = client.get("/staff/customers?q=jon", headers=headers)
        assert "HX-Request" in response.headers["Vary"]


# --- the register --------------------------------------------------------------------------------


@pytest.fixture
def register(make_customer, make_incident, review_incident, give_warning, clock, people):
    """Incidents of several kinds: a warned tenant, an applicant, an old and a new report."""
    tenant = make_customer(forename="Tina", surname="Tenant")
    applicant = make_customer(
        forename="Andy", surname="Applicant", customer_type=CustomerType.APPLICANT
    )
    warned = give_warning(tenant, clock.now - timedelta(days=60))
    refusal = make_incident(
        applicant,
        now=clock.now - timedelta(days=10),
        categories=[Category.REFUSAL],
        example_types=["access_essential"],
        description="Would not let the gas engineer in.",
    )
    fresh = make_incident(tenant, now=clock.now - timedelta(hours=1))
    return {"warned": warned.incident_id, "refusal": refusal.id, "fresh": fresh.id}


def _rows(soup) -> list[str]:
    return [
        a.get_text(strip=True) for a in soup.select("#register-results tbody tr td:first-child a")
    ]


def _refs(ids) -> list[str]:
    return [db.session.get(Incident, i).reference for i in ids]


def test_register_is_a_plain_get_form_with_every_filter(client, act_as, register):
    act_as("panel")
    soup = check_page(client.get("/staff/register"))
    form = soup.find("form", attrs={"role": "search"})
    assert form["method"] == "get" and form["action"] == "/staff/register"
    names = {f["name"] for f in form.find_all(["input", "select"])}
    assert {"q", "category", "route", "status", "outcome", "from", "to"} <= names
    assert form["hx-target"] == "#register-results"
    assert _rows(soup) == _refs([register["fresh"], register["refusal"], register["warned"]])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=tina", ["fresh", "warned"]),
        ("q=gas+engineer", ["refusal"]),
        ("category=refusal_to_cooperate", ["refusal"]),
        ("route=police_then_panel", ["refusal"]),
        ("status=awaiting_review", ["fresh", "refusal"]),
        ("outcome=warning", ["warned"]),
        ("from=2026-11-01", ["fresh", "refusal"]),
        ("to=2026-11-01", ["warned"]),
        ("from=2026-11-13&to=2026-11-13", ["refusal"]),
        ("q=tina&status=reviewed", ["warned"]),
        ("q=nobody", []),
    ],
)
def test_register_filters_work_without_javascript(client, act_as, register, query, expected):
    act_as("panel")
    soup = check_page(client.get(f"/staff/register?{query}"))
    assert _rows(soup) == _refs([register[name] for name in expected])
    for key, values in parse_qs(query).items():
        assert _shown(soup, key) == values[0], f"the {key} filter does not show what was chosen"


def _shown(soup, name: str) -> str:
    """What a filter shows: a box's value or a list's selected option."""
    field = soup.find(id=name)
    if field.name == "select":
        chosen = field.select_one("option[selected]")
        return chosen["value"] if chosen else ""
    return field.get("value", "")


@pytest.mark.parametrize(
    ("query", "expected"),
    [("q=tina", ["fresh", "warned"]), ("category=refusal_to_cooperate", ["refusal"])],
)
def test_register_returns_only_the_results_to_htmx(client, act_as, register, query, expected):
    act_as("panel")
    response = client.get(f"/staff/register?{query}", headers=HTMX)
    soup = check_fragment(response, "register-results")
    assert _rows(soup) == _refs([register[name] for name in expected])


def test_register_warning_outcome_shows_the_stage(client, act_as, register):
    act_as("panel")
    soup = check_fragment(
        client.get("/staff/register?outcome=warning", headers=HTMX), "register-results"
    )
    assert "Written warning: first stage" in soup.get_text(" ", strip=True)


def test_a_fragment_with_a_bad_date_still_swaps_in_with_a_message(client, act_as, register):
    act_as("panel")
    response = client.get("/staff/register?from=2026-02-30", headers=HTMX)
    assert response.status_code == 422  # htmx swaps 422s in (see base.html htmx-config)
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.find("html") is None
    roots = [el for el in soup.children if getattr(el, "name", None)]
    assert [root["id"] for root in roots] == ["register-results"]
    assert "check the dates" in soup.get_text()


@pytest.fixture
def many_incidents(make_customer, make_incident, clock):
    """30 reports about different tenants: more than one page of 25."""
    for n in range(30):
        customer = make_customer(forename="Page", surname=f"Tenant{n:02d}")
        make_incident(customer, now=clock.now - timedelta(hours=n + 1))


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_register_pages_keep_the_filters(client, act_as, many_incidents, headers):
    act_as("panel")
    response = client.get("/staff/register?q=page&status=awaiting_review", headers=headers)
    soup = check_page(response) if not headers else check_fragment(response, "register-results")
    assert len(_rows(soup)) == 25
    assert "30 incidents" in soup.get_text()
    next_link = soup.find("a", string="Next page")
    for attr in ("href", "hx-get"):
        query = parse_qs(urlsplit(next_link[attr]).query)
        assert query == {"q": ["page"], "status": ["awaiting_review"], "page": ["2"]}
    second = check_page(client.get(next_link["href"]))
    assert len(_rows(second)) == 5
    assert second.find("a", string="Previous page")
    assert "Page 2 of 2" in second.get_text()


# --- point 13.1: live search waits for typing to settle -----------------------------------------


@pytest.mark.parametrize(
    ("role", "url", "target"),
    [("panel", "/staff/register", "#register-results"), ("colleague", "/staff/customers", None)],
)
def test_point13_live_search_waits_and_drops_stale_requests(client, act_as, role, url, target):
    act_as(role)
    form = check_page(client.get(url)).find("form", attrs={"role": "search"})
    triggers = [t.strip() for t in form["hx-trigger"].split(",")]

    assert "input changed delay:400ms from:#q" in triggers
    assert "search from:#q" in triggers
    assert form["hx-sync"] == "this:replace"
    if target:
        assert form["hx-target"] == target


@pytest.mark.policy("8.8")
@pytest.mark.parametrize("headers", [{}, HTMX])
def test_point13_a_register_search_under_three_characters_asks_for_more(
    client, act_as, register, headers
):
    act_as("panel")
    response = client.get("/staff/register?q=ti", headers=headers)
    soup = check_fragment(response, "register-results") if headers else check_page(response)

    assert "Enter at least 3 characters to search." in soup.get_text()
    assert _rows(soup) == []
    assert "No incidents match" not in soup.get_text()
    # Nothing was searched, so the heading does not say that nothing was found.
    heading = soup.find(id="register-results").find("h2")
    assert heading.get_text(strip=True) == "Not searched: too few characters"
    assert heading["data-announce"] == "Not searched: too few characters"


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_point13_a_customer_search_under_three_characters_asks_for_more(
    client, act_as, customers, headers
):
    act_as("colleague")
    response = client.get("/staff/customers?q=jo", headers=headers)
    soup = check_fragment(response, "customer-results") if headers else check_page(response)

    assert "Enter at least 3 characters to search." in soup.get_text()
    assert _names(soup, "customer-results") == []
    heading = soup.find(id="customer-results").find("h2")
    assert heading.get_text(strip=True) == "Not searched: too few characters"
    assert _names(check_page(client.get("/staff/customers?q=jon")), "customer-results") == [
        "Pete Jonas",
        "Gwen Jones",
    ]
